"""/widget.js and /embed on other sites, in a real headless Chromium (Debian's, driven by Playwright).

The app runs on one port (fake-embedder index). Two host sites run on other ports, so they are
other origins: one on the app's allow-list, one not. Each serves a page with its own text, styles
and script that includes the widget, a copy without the widget (the reference), and a page that
frames /embed.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import serving

import app
from retrieval import FeedbackStore, Retriever, as_on_page

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
TIMEOUT = 30_000
ARTICLE_URL = "https://note.com/netsuseta/n/n818726b2f355"
LEADER = "DX推進リーダーって何をする人？"
NOT_FOUND = "記事の中には、この質問に答えている箇所が見つかりませんでした。"

HOST_PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>ねつせた! テスト用の記事ページ</title>
<style>
  * {{ font-family: "Courier New", monospace; }}
  h1 {{ color: rgb(200, 0, 0); font-size: 40px; }}
  p {{ margin: 20px; line-height: 3; }}
  button {{ background: rgb(0, 0, 255); color: rgb(255, 255, 0); font-size: 30px; border-radius: 0; }}
  div {{ border: 5px solid rgb(0, 128, 0); padding: 10px; }}
  blockquote, a, input {{ color: rgb(255, 0, 255) !important; }}
</style></head>
<body>
<h1 id="title">ねつせた! の記事</h1>
<p id="text">これはホストページ自身の本文です。</p>
<button id="own" type="button">ホストのボタン</button>
<script>
  window.hostValue = 42;
  window.hostClicks = 0;
  document.getElementById("own").addEventListener("click", () => {{ window.hostClicks += 1; }});
</script>
{widget}
</body></html>
"""
FRAME_PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>frame</title></head>
<body><iframe id="qa" src="{app}embed" title="DXについて質問する" width="420" height="600"></iframe></body></html>"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, Path]]]:
    """{"allowed": (origin, folder), "other": (origin, folder)}: two static sites on their own ports."""
    running = {}
    for name in ("allowed", "other"):
        folder = tmp_path_factory.mktemp(f"site-{name}")
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                 functools.partial(QuietHandler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running[name] = (server, f"http://127.0.0.1:{server.server_address[1]}", folder)
    yield {name: (origin, folder) for name, (_, origin, folder) in running.items()}
    for server, _, _ in running.values():
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def widget_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("widget-db") / "feedback.sqlite3"


@pytest.fixture(scope="module")
def app_url(fake_index: Path, sites: dict, widget_db: Path) -> Iterator[str]:
    settings = app.Settings(index=fake_index, db=widget_db,
                            allowed_origins=(sites["allowed"][0],), rate_limit="1000/minute")
    with serving(Retriever.load(fake_index), settings) as url:
        widget = f'<script src="{url}widget.js" defer></script>'
        for _, folder in sites.values():
            (folder / "widget.html").write_text(HOST_PAGE.format(widget=widget), encoding="utf-8")
            (folder / "plain.html").write_text(HOST_PAGE.format(widget=""), encoding="utf-8")
            (folder / "frame.html").write_text(FRAME_PAGE.format(app=url), encoding="utf-8")
        yield url


@pytest.fixture()
def context(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT)
    # The citation opens the article on note.com; offline, a stand-in page answers for it.
    context.route(f"{ARTICLE_URL}**", lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body="<html><body>記事</body></html>"))
    yield context
    context.close()


HOST_STATE = """() => {
  const style = (id, names) =>
    Object.fromEntries(names.map((n) => [n, getComputedStyle(document.getElementById(id))[n]]));
  return {
    texts: ["title", "text", "own"].map((id) => document.getElementById(id).textContent),
    title: style("title", ["color", "fontFamily", "fontSize"]),
    text: style("text", ["marginTop", "lineHeight", "fontFamily"]),
    own: style("own", ["backgroundColor", "color", "fontSize", "fontFamily", "borderRadius"]),
    body: style("text", ["fontFamily"]),
    sheets: document.styleSheets.length,
    headChildren: document.head.children.length,
    hostValue: window.hostValue,
  };
}"""


def open_widget(page: object) -> object:
    page.get_by_role("button", name="DXについて質問する").click()
    panel = page.locator("[data-dxqa-widget] .panel")
    panel.wait_for(state="visible")
    return panel


def ask(panel: object, question: str) -> object:
    """Asks in the widget's panel and returns the newest reply card."""
    before = panel.locator(".card").count()
    panel.locator("input").fill(question)
    panel.locator("input").press("Enter")
    panel.locator(".card").nth(before).wait_for()
    return panel.locator(".card").last


def assert_same_card_as_the_page(reply: object) -> None:
    """Highlight, speaker with department, the interviewer's question, match level, related answers."""
    assert reply.locator("blockquote mark").count() >= 1
    assert reply.locator(".who").first.inner_text() == "— Oさん(DX推進担当部 DX推進担当課)"
    assert reply.locator(".asked").first.inner_text().startswith("聞き手の質問: 「")
    assert re.fullmatch(r"一致度: [高中低] \(\d+%\)", reply.locator(".match").first.inner_text())
    assert reply.locator("details summary").first.inner_text().startswith("関連する回答 (")


def test_widget_on_another_site_answers_with_the_quote_and_a_working_citation_link(
        context: object, sites: dict, app_url: str) -> None:
    page = context.new_page()
    page.goto(f"{sites['allowed'][0]}/plain.html")
    reference = page.evaluate(HOST_STATE)
    page.goto(f"{sites['allowed'][0]}/widget.html")
    launcher = page.get_by_role("button", name="DXについて質問する")
    launcher.wait_for()
    assert page.evaluate(HOST_STATE) == reference  # loading the widget changes nothing on the page

    panel = open_widget(page)
    assert panel.locator(".welcome button.suggestion").count() == 3  # example questions on start
    reply = ask(panel, LEADER)
    assert "DX推進リーダーを任命し" in reply.locator("blockquote").first.inner_text()
    assert_same_card_as_the_page(reply)
    assert reply.locator(".asked").first.inner_text().startswith("聞き手の質問: 「")
    link = reply.locator(".source a").first
    assert link.get_attribute("href").startswith(f"{ARTICLE_URL}#:~:text=")
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    assert "DX推進担当課" in link.inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "widget-answer.png")
    with page.expect_popup() as popup:
        link.click()
    article = popup.value
    article.wait_for_load_state()
    assert article.url.startswith(ARTICLE_URL) and article.locator("body").inner_text() == "記事"
    article.close()

    # The host page is untouched, and its styles do not reach into the widget.
    assert page.evaluate(HOST_STATE) == reference
    page.click("#own")
    assert page.evaluate("window.hostClicks") == 1
    widget_style = launcher.evaluate("b => [getComputedStyle(b).fontFamily, getComputedStyle(b).backgroundColor]")
    assert "Courier" not in widget_style[0] and widget_style[1] != "rgb(0, 0, 255)"
    assert reply.locator("blockquote").first.evaluate("q => getComputedStyle(q).color") != "rgb(255, 0, 255)"
    assert page.locator("[data-dxqa-widget]").evaluate("h => getComputedStyle(h).borderTopWidth") == "0px"
    assert context.cookies() == [] and page.evaluate("localStorage.length + sessionStorage.length") == 0


def test_a_vote_in_the_widget_on_another_site_reaches_the_editors_report(context: object, sites: dict, app_url: str,
                                                                         widget_db: Path, fake_index: Path) -> None:
    page = context.new_page()
    page.goto(f"{sites['allowed'][0]}/widget.html")
    reply = ask(open_widget(page), "OCRって何？")
    shown = reply.locator("blockquote").first.inner_text()
    down = reply.get_by_role("button", name="役に立たなかった")
    down.click()
    reply.locator(".thanks").wait_for()
    assert down.get_attribute("aria-pressed") == "true" and down.is_disabled()
    assert reply.get_by_role("button", name="役に立った").is_disabled()  # one vote per answer
    for _ in range(50):  # the vote is sent in the background
        votes = [v for v in FeedbackStore(widget_db).votes() if v["question"] == "OCRって何?"]
        if votes:
            break
        page.wait_for_timeout(100)
    assert len(votes) == 1 and votes[0]["vote"] == "down"
    first = Retriever.load(fake_index).passage(votes[0]["passage_ids"][0])  # the passages shown, best first
    assert first is not None and as_on_page(first.text)[:20] in shown
    assert FeedbackStore(widget_db).report().down_voted[0].question == "OCRって何?"


def test_widget_says_so_when_the_articles_do_not_answer_and_shows_questions_as_text(
        context: object, sites: dict, app_url: str) -> None:
    page = context.new_page()
    page.goto(f"{sites['allowed'][0]}/widget.html")
    panel = open_widget(page)
    reply = ask(panel, "火星の天気は？")  # near nothing (fake model): the usual example questions
    assert reply.inner_text().startswith(NOT_FOUND) and reply.locator("blockquote").count() == 0
    assert "記事が答えている質問の例:" in reply.inner_text()
    offered = reply.locator("button.suggestion")
    assert offered.count() == 3 and offered.locator("*").count() == 0
    chosen = offered.nth(0).inner_text()
    offered.nth(0).click()
    panel.locator(".card").nth(1).wait_for()
    assert panel.locator(".user").last.inner_text() == chosen
    assert panel.locator(".card").last.locator("blockquote").count() >= 1  # a suggestion is answered
    follow_up = ask(panel, "それはいつから?")
    assert follow_up.locator(".read-as").inner_text().endswith("についての質問として検索しました")
    question = '<img src=x onerror="window.pwned=1"><b>太字</b>DX推進リーダーとは'
    ask(panel, question)
    asked = panel.locator(".user").last
    assert asked.inner_text() == question and asked.locator("img, b").count() == 0
    assert page.evaluate("window.pwned") is None
    page.keyboard.press("Escape")
    assert panel.is_hidden()


def test_widget_offers_the_questions_near_one_it_turns_away_and_a_click_answers(
        context: object, sites: dict, app_url: str) -> None:
    page = context.new_page()
    page.goto(f"{sites['allowed'][0]}/widget.html")
    panel = open_widget(page)
    reply = ask(panel, "デジタルの担当者は何人いるの")  # near some exchanges, not answered (fake model)
    assert reply.inner_text().startswith(NOT_FOUND)
    assert "記事が答えている質問(あなたの質問に近い順):" in reply.inner_text()
    offered = reply.locator("button.suggestion")
    assert 1 <= offered.count() <= 3
    welcome = [panel.locator(".welcome button.suggestion").nth(i).inner_text() for i in range(3)]
    assert [offered.nth(i).inner_text() for i in range(offered.count())] != welcome[: offered.count()]
    offered.nth(0).click()
    panel.locator(".card").nth(1).wait_for()
    assert panel.locator(".card").last.locator("blockquote").count() >= 1


def test_widget_shows_the_other_answers_open_when_one_fits_about_as_well(
        context: object, sites: dict, app_url: str) -> None:
    page = context.new_page()
    page.goto(f"{sites['allowed'][0]}/widget.html")
    panel = open_widget(page)
    clear = ask(panel, LEADER)  # a clear first answer (fake model): the others collapsed
    assert clear.locator("details").get_attribute("open") is None
    alike = ask(panel, "OCRって何？")  # two passages about as close (fake model): shown open
    details = alike.locator("details")
    assert details.get_attribute("open") is not None
    assert details.locator("summary").inner_text().startswith("同じくらい近いほかの回答 (")
    assert details.locator("blockquote").first.is_visible()


def test_a_site_not_on_the_allow_list_gets_no_cors_permission(context: object, sites: dict, app_url: str) -> None:
    origin = sites["other"][0]
    page = context.new_page()
    page.goto(f"{origin}/widget.html")
    page.wait_for_timeout(1000)  # the script loads, but the browser withholds the card definition ...
    assert page.locator("[data-dxqa-widget]").count() == 0  # ... so no button that could never answer
    query = urllib.parse.urlencode({"q": LEADER})
    outcome = page.evaluate("url => fetch(url).then(() => 'read', (e) => e.name)", f"{app_url}api/ask?{query}")
    assert outcome == "TypeError"
    request = urllib.request.Request(f"{app_url}api/ask?{query}", headers={"Origin": origin})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers.get("Access-Control-Allow-Origin") is None
    allowed = context.new_page()
    allowed.goto(f"{sites['allowed'][0]}/plain.html")
    assert allowed.evaluate("url => fetch(url).then((r) => r.json()).then((d) => d.hits.length)",
                            f"{app_url}api/ask?{query}&k=2") == 2


def frame_of(page: object, app_url: str) -> object:
    page.wait_for_load_state("load")
    return next(f for f in page.frames if f is not page.main_frame)


def test_embed_can_be_framed_by_an_allowed_site_and_answers(context: object, sites: dict, app_url: str) -> None:
    page = context.new_page()
    page.goto(f"{sites['allowed'][0]}/frame.html")
    frame = frame_of(page, app_url)
    assert frame.url == f"{app_url}embed"
    panel = frame.locator("[data-dxqa-widget] .panel")
    panel.wait_for(state="visible")
    assert frame.get_by_role("button", name="DXについて質問する").count() == 0  # no launcher inside the frame
    assert panel.locator(".welcome button.suggestion").count() == 3
    reply = ask(panel, LEADER)
    assert "DX推進リーダーを任命し" in reply.locator("blockquote").first.inner_text()
    assert reply.locator(".source a").first.get_attribute("href").startswith(f"{ARTICLE_URL}#:~:text=")
    assert_same_card_as_the_page(reply)
    page.screenshot(path=SCREENSHOTS / "embed-answer.png")


def test_embed_with_a_question_asks_it_on_load(context: object, app_url: str) -> None:
    page = context.new_page()
    page.goto(f"{app_url}embed?{urllib.parse.urlencode({'q': LEADER})}")
    reply = page.locator("[data-dxqa-widget] .card.answer")
    reply.wait_for()
    assert page.locator("[data-dxqa-widget] .user").first.inner_text() == LEADER
    assert_same_card_as_the_page(reply)


def test_embed_refuses_to_be_framed_by_a_site_not_on_the_allow_list(context: object, sites: dict,
                                                                      app_url: str) -> None:
    page = context.new_page()
    refusals = []
    page.on("console", lambda message: refusals.append(message.text) if "frame-ancestors" in message.text else None)
    page.goto(f"{sites['other'][0]}/frame.html")
    frame = frame_of(page, app_url)
    page.wait_for_timeout(500)
    assert frame.url != f"{app_url}embed"  # Chromium shows its error page instead
    assert frame.locator("[data-dxqa-widget]").count() == 0
    assert refusals, "Chromium did not report the frame-ancestors refusal"
    with urllib.request.urlopen(f"{app_url}embed", timeout=10) as response:
        policy = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {sites['allowed'][0]}" in policy and sites["other"][0] not in policy


@pytest.mark.parametrize("mode", ["widget", "embed"])
def test_on_a_phone_the_widget_and_embed_show_who_said_it_and_the_link(browser: object, sites: dict, app_url: str,
                                                                        mode: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    if mode == "widget":
        page.goto(f"{sites['allowed'][0]}/widget.html")
        panel = open_widget(page)
    else:
        page.goto(f"{app_url}embed")
        panel = page.locator("[data-dxqa-widget] .panel")
        panel.wait_for(state="visible")
    assert panel.locator(".welcome button.suggestion").count() == 3
    reply = ask(panel, LEADER)
    assert panel.locator(".user").last.is_visible()
    assert_same_card_as_the_page(reply)
    reply.locator(".match").first.scroll_into_view_if_needed()  # the one scroll: the chat log
    height = page.viewport_size["height"]
    for part in (".who", ".asked", ".source a", ".match"):
        box = reply.locator(part).first.bounding_box()
        assert box and 0 <= box["y"] and box["y"] + box["height"] <= height, part
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SCREENSHOTS / f"{mode}-phone-answer.png")
    context.close()
