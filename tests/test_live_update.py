"""End to end: with `python app.py` running, an editor adds an article with `python -m retrieval add`;
a few seconds later the running app answers from it, with its title and URL, without a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import free_port

from retrieval import HashingEmbedder, Retriever, load_seeds

ROOT = Path(__file__).resolve().parent.parent
NEW_ARTICLE = Path(__file__).resolve().parent / "data" / "dx-suishin-tantouka-chuhen.txt"
ONLY_IN_NEW = "区役所の職員はどのくらいテレワークをしていますか?"
NEW_URL = "https://note.example/netsuseta/n/chuhen-fixture"


def ask(base: str, question: str) -> dict:
    query = urllib.parse.urlencode({"q": question, "k": 1})
    with urllib.request.urlopen(f"{base}api/ask?{query}", timeout=10) as response:
        return json.load(response)


@pytest.fixture()
def running_app(seeds_copy: Path, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """`python app.py` in its own process, on a fake-embedder index of a private copy of seeds/."""
    index = tmp_path / "index"
    Retriever.build(load_seeds(seeds_copy), index, embedder=HashingEmbedder())
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RETRIEVAL_", "APP_"))}
    process = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--index", str(index), "--seeds", str(seeds_copy),
         "--db", str(tmp_path / "feedback.sqlite3"), "--rate-limit", "100/second"],  # the test polls
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            ask(base, "DX推進リーダーって何をする人?")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"app.py did not start: {process.stderr.read()[-2000:]}")
            time.sleep(0.2)
    try:
        yield base, seeds_copy, index
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_an_added_article_is_answered_by_the_running_app_within_seconds(running_app: tuple[str, Path, Path]) -> None:
    base, seeds, index = running_app
    before = ask(base, ONLY_IN_NEW)
    assert all(hit["article"]["url"] != NEW_URL for hit in before["hits"])

    added = subprocess.run(
        [sys.executable, "-m", "retrieval", "add", str(NEW_ARTICLE), "--seeds", str(seeds), "--index", str(index)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert added.returncode == 0, added.stderr
    switched = time.monotonic()

    while True:
        after = ask(base, ONLY_IN_NEW)  # no request fails while the app switches generations
        if after["hits"] and after["hits"][0]["article"]["url"] == NEW_URL:
            break
        assert time.monotonic() - switched < 10, "the running app did not pick up the new article"
        time.sleep(0.2)
    top = after["hits"][0]
    assert after["answered"]
    assert top["article"]["title"].startswith("区役所職員にインタビュー! ―DX推進担当部 DX推進担当課 中編―")
    assert top["url"].startswith(NEW_URL + "#:~:text=")
    assert top["text"] in NEW_ARTICLE.read_text(encoding="utf-8")


@pytest.mark.browser
def test_the_page_lists_an_added_article_without_a_restart(running_app: tuple[str, Path, Path],
                                                           browser: object) -> None:
    base, seeds, index = running_app
    added = subprocess.run(
        [sys.executable, "-m", "retrieval", "add", str(NEW_ARTICLE), "--seeds", str(seeds), "--index", str(index)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert added.returncode == 0, added.stderr
    page = browser.new_page()
    try:
        deadline = time.monotonic() + 15
        while True:
            page.goto(base)
            page.wait_for_selector("#articles li")
            page.wait_for_timeout(500)  # the list is refreshed by the page's load event
            links = page.locator("#articles a")
            if NEW_URL in [links.nth(i).get_attribute("href") for i in range(links.count())]:
                break
            assert time.monotonic() < deadline, "the page never listed the added article"
        assert "中編" in page.locator("#articles").inner_text()
    finally:
        page.close()
