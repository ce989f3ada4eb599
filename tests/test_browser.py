"""The chat page in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Uses the fake-embedder index; screenshots at desktop and phone sizes go to screenshots/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import serving

import app
from retrieval import Retriever
from retrieval.readers.feedback import FeedbackStore

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
NOT_FOUND = "記事の中には、この質問に答えている箇所が見つかりませんでした。"
TIMEOUT = 30_000


@pytest.fixture(scope="module")
def server(fake_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, app.Settings]]:
    settings = app.Settings(index=fake_index, db=tmp_path_factory.mktemp("browser-db") / "feedback.sqlite3")
    with serving(Retriever.load(fake_index), settings) as url:
        yield url, settings


@pytest.fixture()
def page(browser: object, server: tuple[str, app.Settings]) -> Iterator[object]:
    page = browser.new_page(viewport=SIZES["desktop"])
    page.set_default_timeout(TIMEOUT)
    page.goto(server[0])
    page.wait_for_selector("#question textarea")
    yield page
    page.close()


def ask(page: object, question: str) -> object:
    """Types a question, sends it and returns the newest reply once it is there."""
    replies = page.locator("#chat [data-testid='bot']")
    before = replies.count()
    page.fill("#question textarea", question)
    page.click("#ask")
    replies.nth(before).wait_for()  # (not wait_for_function: the page's CSP forbids eval)
    return replies.last


def test_a_question_gets_the_quote_the_speaker_and_a_link_to_the_article(page: object) -> None:
    reply = ask(page, "DX推進リーダーって何をする人？")
    assert "DX推進リーダーを任命し" in reply.locator("blockquote.quote").first.inner_text()
    assert "Oさん" in reply.locator(".who").first.inner_text()
    link = reply.locator(".source a").first
    assert link.get_attribute("href").startswith("https://note.com/netsuseta/n/n818726b2f355#:~:text=")
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    assert "DX推進担当課" in link.inner_text()
    assert reply.locator("blockquote.quote mark").count() >= 1
    assert reply.locator("details.related").count() >= 1


def test_clicking_an_example_question_answers_it(page: object) -> None:
    example = page.locator("#chat button.example").first
    text = example.inner_text().strip()
    example.click()
    page.wait_for_selector("#chat [data-testid='bot'] blockquote")
    assert text in page.locator("#chat [data-testid='user']").first.inner_text()


def test_an_unanswerable_question_gets_the_not_in_the_articles_reply(page: object) -> None:
    reply = ask(page, "住民票の写しはコンビニで取れますか")
    assert NOT_FOUND in reply.inner_text()
    assert reply.locator("blockquote").count() == 0
    assert reply.locator("li").count() == 0  # the suggestions are the buttons below, listed once
    assert page.locator("#chat .options button.option").count() == 3


def test_clicking_a_question_offered_after_an_unanswerable_one_answers_it(page: object) -> None:
    ask(page, "住民票の写しはコンビニで取れますか")
    offered = page.locator("#chat .options button.option")
    assert offered.count() == 3
    assert offered.locator("*").count() == 0  # the questions are text, not markup
    text = offered.nth(1).inner_text().strip()
    replies = page.locator("#chat [data-testid='bot']")
    before = replies.count()
    offered.nth(1).click()
    replies.nth(before).wait_for()  # (not wait_for_function: the page's CSP forbids eval)
    assert page.locator("#chat [data-testid='user']").last.inner_text().strip() == text
    quote = replies.last.locator("blockquote.quote").first
    assert quote.is_visible() and quote.inner_text().strip()
    assert page.locator("#chat .options button.option").count() == 0  # an answer offers nothing more


def test_a_thumbs_up_is_stored_in_the_database(page: object, server: tuple[str, app.Settings]) -> None:
    ask(page, "OCRって何？")
    page.locator("#chat button[aria-label='Like']").last.click()
    store, deadline = FeedbackStore(server[1].db), time.monotonic() + 10
    while not [v for v in store.votes() if v["question"] == "OCRって何?"] and time.monotonic() < deadline:
        time.sleep(0.1)
    [vote] = [v for v in store.votes() if v["question"] == "OCRって何?"]
    assert vote["vote"] == "up" and vote["passage_ids"]


def test_html_in_a_question_is_shown_as_text_and_never_runs(page: object) -> None:
    question = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>太字</b>DX推進リーダーとは'
    ask(page, question)
    asked = page.locator("#chat [data-testid='user']").last
    assert asked.inner_text().strip() == question
    assert asked.locator("img, script, b").count() == 0
    assert page.evaluate("window.pwned") is None


@pytest.mark.parametrize("size", SIZES)
def test_screenshots_at_desktop_and_phone_size(browser: object, server: tuple[str, app.Settings], size: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport=SIZES[size])
    page.set_default_timeout(TIMEOUT)
    page.goto(server[0])
    page.wait_for_selector("#chat button.example")
    page.screenshot(path=SCREENSHOTS / f"{size}-start.png", full_page=True)
    ask(page, "DX推進リーダーって何をする人？")
    page.locator("#chat details.related summary").first.click()
    page.screenshot(path=SCREENSHOTS / f"{size}-answer.png", full_page=True)
    ask(page, "住民票の写しはコンビニで取れますか")
    page.screenshot(path=SCREENSHOTS / f"{size}-not-found.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], "the page scrolls sideways"
    page.close()


def test_the_page_answers_under_its_content_security_policy(browser: object, server: tuple[str, app.Settings]) -> None:
    page = browser.new_page(viewport=SIZES["desktop"])
    page.set_default_timeout(TIMEOUT)
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
    response = page.goto(server[0])
    assert "'nonce-" in response.headers["content-security-policy"]
    page.wait_for_selector("#question textarea")
    # The policy has no 'unsafe-eval', and the page's own parts render without it.
    page.wait_for_selector("#articles li")
    assert page.locator("#intro h1").inner_text().strip() and "Error" not in page.inner_text("body")
    reply = ask(page, "DX推進リーダーって何をする人？")
    assert "DX推進リーダーを任命し" in reply.locator("blockquote.quote").first.inner_text()
    # A javascript: link, however it got onto the page, does not run: the policy has no 'unsafe-inline'.
    page.evaluate("""() => { const a = document.createElement('a'); a.id = 'bad';
                     a.href = 'javascript:window.pwned = 1'; a.textContent = 'x'; document.body.append(a); }""")
    page.click("#bad")
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned") is None
    violations = [m for m in messages if "CSP violation" in m or "Content Security Policy" in m]
    assert len(violations) >= 1 and all("javascript" in m.lower() or "inline" in m for m in violations), violations
    page.close()
