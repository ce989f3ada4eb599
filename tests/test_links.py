"""Article URLs are http(s) only: ``add`` refuses others, and no view ever links to one (retrieval/ingest/links.py)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest
from app_server import serving
from conftest import NEW_ARTICLE
from gradio_client import Client

import app
from retrieval import HashingEmbedder, Retriever, load_seeds, safe_url
from retrieval.editing.library import Library
from retrieval.ingest.sources import read_source
from web.cards import articles_html

BAD_URLS = ["javascript:alert(1)//", "JavaScript:alert(document.domain)", "data:text/html,<script>alert(1)</script>",
            " javascript:alert(1)", "vbscript:x", "//evil.example/", "https://", "http:\x0a//x", "file:///etc/passwd"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_only_http_and_https_urls_are_safe(url: str) -> None:
    assert safe_url(url) == ""


def test_http_and_https_urls_are_kept_as_they_are() -> None:
    for url in ("https://note.com/netsuseta/n/n818726b2f355", "http://example.org/a?b=c#:~:text=%E3%81%82"):
        assert safe_url(url) == url


@pytest.mark.parametrize("url", ["javascript:alert(1)//", "data:text/html,<script>alert(1)</script>"])
def test_add_refuses_a_script_url_from_the_flag_and_nothing_changes(url: str, library_dirs: tuple[Path, Path],
                                                                      run_cli: object) -> None:
    seeds, index = library_dirs
    before = sorted(p.name for p in seeds.iterdir()), (index / "CURRENT").read_text()
    done = run_cli("add", str(NEW_ARTICLE), "--url", url, "--seeds", str(seeds), "--index", str(index))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and "http(s)" in done.stderr
    assert (sorted(p.name for p in seeds.iterdir()), (index / "CURRENT").read_text()) == before


def test_add_refuses_a_script_url_from_the_sidecar_json(library_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    seeds, index = library_dirs
    source = tmp_path / NEW_ARTICLE.name
    shutil.copy(NEW_ARTICLE, source)
    source.with_suffix(".json").write_text(json.dumps({"url": "javascript:alert(1)//"}), encoding="utf-8")
    with pytest.raises(Exception, match="not an http"):
        Library(seeds, index).add(read_source(str(source)))
    assert not (seeds / NEW_ARTICLE.name).exists()


@pytest.fixture()
def poisoned_index(seeds_copy: Path, tmp_path: Path) -> Path:
    """An index built (not added) from seeds whose sidecar says javascript: — e.g. edited by hand."""
    for sidecar in seeds_copy.glob("*.json"):
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        sidecar.write_text(json.dumps({**data, "url": "javascript:alert(document.domain)//"}), encoding="utf-8")
    Retriever.build(load_seeds(seeds_copy), tmp_path / "index", embedder=HashingEmbedder())
    return tmp_path / "index"


def test_a_script_url_in_the_seeds_is_never_a_link_in_the_page_cards_or_api(poisoned_index: Path,
                                                                             tmp_path: Path) -> None:
    retriever = Retriever.load(poisoned_index)
    settings = app.Settings(index=poisoned_index, db=tmp_path / "f.db")
    with serving(retriever, settings) as url:
        result = httpx.get(f"{url}api/ask", params={"q": "DX推進リーダーって何をする人？"}).json()
        assert result["hits"] and all(h["url"] == "" and h["article"]["url"] == "" for h in result["hits"])
        card = Client(url, verbose=False).predict("DX推進リーダーって何をする人？", api_name="/chat")
        assert "DX推進リーダーを任命し" in card and "javascript" not in card
        # the only link left is the answer's own permalink on this app: the article has no safe URL
        assert re.findall(r'href="([^"]*)"', card) == [href for href in re.findall(r'href="([^"]*)"', card)
                                                        if href.startswith("a?q=")]
        assert "javascript:" not in httpx.get(url).text.lower()
    listing = articles_html(retriever)
    assert "javascript" not in listing and "<a " not in listing and "区役所職員にインタビュー" in listing
