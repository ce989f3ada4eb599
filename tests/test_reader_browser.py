"""The chat page as a reader sees it, in headless Chromium at phone (390x844) and desktop (1280x800).

After an answer the quote, the speaker with the department, the interviewer's question and the
source link are readable without a scroll box inside the page, and nothing covers anything. The
page grows with the conversation. A link ``/?q=質問`` asks on load. Screenshots go to
tests/screenshots/ (not committed) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import serving

import app
from retrieval import Retriever
from retrieval.readers.conversation import EXAMPLE_MAX_CHARS

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
TIMEOUT = 30_000
BOTS = "#chat [data-testid='bot']"


@pytest.fixture(scope="module")
def server(fake_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = app.Settings(index=fake_index, db=tmp_path_factory.mktemp("reader-db") / "feedback.sqlite3")
    with serving(Retriever.load(fake_index), settings) as url:
        yield url


def open_page(browser: object, url: str, size: str) -> object:
    page = browser.new_page(viewport=SIZES[size])
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


def ask(page: object, question: str) -> object:
    before = page.locator(BOTS).count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.locator(BOTS).nth(before).wait_for()  # (not wait_for_function: the page's CSP forbids eval)
    page.wait_for_timeout(300)  # the page scrolls the question into view
    return page.locator(BOTS).last


def in_viewport(page: object, locator: object) -> bool:
    box, height = locator.bounding_box(), page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height and box["width"] > 0


def overlaps(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


NESTED_SCROLLS = """el => { const found = [];
  for (let node = el.parentElement; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (/(auto|scroll)/.test(style.overflowY) && node.scrollHeight > node.clientHeight + 1
        && node !== document.documentElement && node !== document.body) found.push(node.tagName + '.' + node.className);
  } return found; }"""


@pytest.mark.parametrize("size", SIZES)
def test_after_an_answer_the_quote_speaker_question_and_link_are_readable(browser: object, server: str,
                                                                          size: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page = open_page(browser, server, size)
    reply = ask(page, "DX推進リーダーって何をする人？")
    assert in_viewport(page, page.locator("#chat [data-testid='user']").last), "the question scrolled out of view"
    card = reply.locator(".card.answer")
    parts = [card.locator(selector).first for selector in ("blockquote.quote", ".who", ".asked", ".source a", ".match")]
    assert "DX推進担当課" in parts[1].inner_text()  # speaker with the department
    assert page.evaluate(NESTED_SCROLLS, card.element_handle()) == [], "the answer sits in a box with its own scroll"
    parts[1].scroll_into_view_if_needed()  # as a reader scrolls down to see who said it
    for part in parts[1:]:
        assert in_viewport(page, part), part
    page.screenshot(path=SCREENSHOTS / f"reader-{size}-answer.png")
    boxes = [part.bounding_box() for part in parts]
    buttons = [b.bounding_box() for b in page.locator("#chat button:visible").all()]
    for i, box in enumerate(boxes):
        assert all(not overlaps(box, other) for other in boxes[i + 1:] + buttons), f"element {i} is covered"
    like, dislike = (page.locator(f"#chat button[aria-label='{name}']").last.bounding_box()
                     for name in ("Like", "Dislike"))
    assert like["x"] < dislike["x"], "👍 comes before 👎"
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    page.close()


def test_the_page_grows_with_the_conversation_instead_of_a_fixed_chat_box(browser: object, server: str) -> None:
    page = open_page(browser, server, "phone")
    ask(page, "DX推進リーダーって何をする人？")
    first = page.evaluate("document.documentElement.scrollHeight")
    reply = ask(page, "OCRって何？")
    assert page.evaluate("document.documentElement.scrollHeight") > first + 200
    assert page.evaluate(NESTED_SCROLLS, reply.element_handle()) == []
    page.screenshot(path=SCREENSHOTS / "reader-phone-two-answers.png", full_page=True)
    page.close()


def test_a_link_with_a_question_asks_it_on_load(browser: object, server: str) -> None:
    page = open_page(browser, server + "?q=" + "DX推進リーダーって何をする人？", "phone")
    page.wait_for_selector(f"{BOTS} blockquote.quote")
    assert page.locator("#chat [data-testid='user']").first.inner_text().strip() == "DX推進リーダーって何をする人？"
    assert "DX推進リーダーを任命し" in page.locator(f"{BOTS} blockquote.quote").first.inner_text()
    page.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_start_screen_shows_short_examples_and_the_article_list(browser: object, server: str, size: str) -> None:
    page = open_page(browser, server, size)
    page.wait_for_selector("#chat button.example")
    examples = [e.inner_text().strip() for e in page.locator("#chat button.example").all()]
    assert len(examples) == 3 and all(len(q) <= EXAMPLE_MAX_CHARS for q in examples), examples
    assert in_viewport(page, page.locator("#articles li a").first), "the article list is below the fold"
    page.screenshot(path=SCREENSHOTS / f"reader-{size}-start.png")
    ask(page, "DX推進リーダーって何をする人？")
    clear = page.locator("#chat button[aria-label='Clear']").bounding_box()
    assert not overlaps(clear, page.locator("#chat [data-testid='user']").last.bounding_box())
    page.close()


def test_the_japanese_page_has_no_english_gradio_footer(browser: object, server: str) -> None:
    page = open_page(browser, server, "phone")
    page.wait_for_selector("#chat button.example")
    assert page.locator("footer:visible").count() == 0  # Gradio's "Use via API · Built with Gradio"
    assert "Use via API" not in page.locator("body").inner_text()
    page.screenshot(path=SCREENSHOTS / "reader-phone-start-full.png", full_page=True)
    page.close()


def test_an_answers_permalink_opens_the_page_on_that_answer(browser: object, server: str) -> None:
    page = open_page(browser, server, "phone")
    reply = ask(page, "OCRって何？")
    link = reply.locator(".share a")
    href, cited = link.get_attribute("href"), reply.locator(".source a").first.get_attribute("href")
    assert href.startswith("a?q=")
    page.goto(server + href)  # as a reader following the link from a note article
    page.wait_for_selector(f"{BOTS} blockquote.quote")
    assert page.locator("#chat [data-testid='user']").first.inner_text().strip() == "OCRって何？"
    assert page.locator(f"{BOTS} .source a").first.get_attribute("href") == cited
    page.close()
