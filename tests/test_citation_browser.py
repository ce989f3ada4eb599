"""Citation links land: Chromium scrolls to and highlights every passage a link points at.

Each article is served from localhost as note.com lays it out (one ``<p>`` per line, the text
file's 🔗 markers gone), with tall paragraphs so that every passage sits below the fold. Every
passage's link, as the engine builds it, is opened with the article address swapped for the local
copy; the page must then have scrolled the passage into view and painted a text-fragment highlight
(``::target-text``, coloured magenta here so that a screenshot shows it).
"""

from __future__ import annotations

import functools
import html
import http.server
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import ARTICLE, NEW_ARTICLE
from PIL import Image

from retrieval.ingest.articles import load_article
from retrieval.ingest.passages import make_passages
from retrieval.search.citation import passage_url

pytestmark = pytest.mark.browser

MAGENTA = (255, 0, 255)
STYLE = "p { margin: 0 0 700px; font-size: 16px; } ::target-text { background: rgb(255, 0, 255); color: #000; }"


def note_like_page(source: str) -> str:
    """The article as note.com shows it: a paragraph per line, link markers not part of the text."""
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in source.replace("🔗", "").split("\n"))
    return (f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><style>{STYLE}</style></head>'
            f'<body><div style="height: 1200px"></div>{paragraphs}</body></html>')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("note-copy")
    for path in (ARTICLE, NEW_ARTICLE):
        (folder / f"{path.stem}.html").write_text(note_like_page(path.read_text(encoding="utf-8")), "utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def highlighted_pixels(page: object) -> int:
    pixels = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"))
    return int((pixels == MAGENTA).all(axis=-1).sum())


def landed(page: object, anchor: str) -> tuple[bool, int]:
    """(the paragraph holding ``anchor`` is in view, magenta pixels), once the browser has settled."""
    for _ in range(20):
        in_view = page.evaluate("""anchor => {
            const p = [...document.querySelectorAll('p')].find(p => p.textContent.includes(anchor));
            const box = p.getBoundingClientRect();
            return window.scrollY > 0 && box.top >= 0 && box.top < window.innerHeight;
        }""", anchor)
        if in_view:
            return True, highlighted_pixels(page)
        time.sleep(0.1)
    return False, highlighted_pixels(page)


@pytest.mark.parametrize("path", [ARTICLE, NEW_ARTICLE], ids=["shipped", "chuhen"])
def test_every_passage_link_scrolls_to_and_highlights_its_passage(browser: object, site: str, path: Path) -> None:
    article = load_article(path)
    passages = make_passages(article)
    assert len(passages) >= 6
    missed = []
    for passage in passages:
        url = passage_url(article.meta.url, passage.anchor)
        assert url.startswith(article.meta.url + "#:~:text=")
        local = url.replace(article.meta.url, f"{site}/{path.stem}.html", 1)
        page = browser.new_page(viewport={"width": 800, "height": 700})
        page.goto(local)
        in_view, pixels = landed(page, passage.anchor)
        if not in_view or pixels < 200:
            missed.append((passage.anchor, in_view, pixels))
        page.close()
    assert not missed, f"links that open the top of the article or highlight nothing: {missed}"


def test_a_fragment_that_stops_inside_a_word_does_not_land(browser: object, site: str) -> None:
    # The check above can fail: the old anchor …デジ (of デジタル) leaves the page at the top.
    page = browser.new_page(viewport={"width": 800, "height": 700})
    page.goto(passage_url(f"{site}/{ARTICLE.stem}.html", "令和3年度に庁内外のデジ"))
    assert landed(page, "令和3年度に庁内外のデジ") == (False, 0)
    page.close()
