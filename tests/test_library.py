"""Editors add, replace, list and remove articles; only what is new gets embedded."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from conftest import ARTICLE as SEEDS_ARTICLE
from conftest import NEW_ARTICLE, NEW_ARTICLE_PAGE, SEEDS

from retrieval import HashingEmbedder, LiveRetriever, Retriever, load_seeds
from retrieval.cli import main
from retrieval.editing.library import Library
from retrieval.errors import ArticleError
from retrieval.index.reuse import Reuse
from retrieval.index.store import current_generation
from retrieval.ingest.articles import Article, ArticleMeta, load_article, parse_article
from retrieval.ingest.passages import make_passages
from retrieval.ingest.sources import fetch, read_source

NEW_ID = "dx-suishin-tantouka-chuhen"
ONLY_IN_NEW = "区役所の職員はどのくらいテレワークをしていますか?"


class CountingEmbedder(HashingEmbedder):
    """The fake embedder, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += len(texts)
        return super().embed_passages(texts)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {"": "text/html; charset=utf-8", ".html": "text/html"}

    def log_message(self, format: str, *args: object) -> None:
        pass


class PageServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # The fetcher stops reading an oversized page on purpose; the server's broken write is expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture()
def page_server(tmp_path: Path) -> Iterator[str]:
    """A local web server with the new article's page at /netsuseta/n/chuhen-fixture."""
    root = tmp_path / "site"
    (root / "netsuseta" / "n").mkdir(parents=True)
    shutil.copy(NEW_ARTICLE_PAGE, root / "netsuseta" / "n" / "chuhen-fixture")
    (root / "big.html").write_bytes(b"<html>" + b"x" * 6_000_001)
    server = PageServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_added_article_answers_with_its_title_and_url(library_dirs: tuple[Path, Path]) -> None:
    seeds, index = library_dirs
    change = Library(seeds, index).add(read_source(str(NEW_ARTICLE)))

    assert (change.status, change.article_id, change.passages) == ("added", NEW_ID, 6)
    result = Retriever.load(index).search(ONLY_IN_NEW)
    assert result.answered
    top = result.hits[0]
    assert top.article_id == NEW_ID and "6割" in top.text
    assert top.article_title.startswith("区役所職員にインタビュー! ―DX推進担当部 DX推進担当課 中編―")
    assert top.article_url == "https://note.example/netsuseta/n/chuhen-fixture"
    assert top.url.startswith(top.article_url + "#:~:text=")


def test_the_article_is_stored_in_seeds_with_metadata_like_the_shipped_one(library_dirs: tuple[Path, Path]) -> None:
    seeds, index = library_dirs
    Library(seeds, index).add(read_source(str(NEW_ARTICLE), {"published": "2024-03-15"}))

    assert (seeds / f"{NEW_ID}.txt").read_text(encoding="utf-8") == NEW_ARTICLE.read_text(encoding="utf-8")
    stored = json.loads((seeds / f"{NEW_ID}.json").read_text(encoding="utf-8"))
    shipped = json.loads((SEEDS / "dx-suishin-tantouka-zenpen.json").read_text(encoding="utf-8"))
    assert stored.keys() == shipped.keys()
    assert stored["published"] == "2024-03-15" and stored["department"] == "DX推進担当部 DX推進担当課"


# A new part of the series saved as plain text, with no metadata file: its title uses ─ (U+2500).
PLAIN_TEXT_ARTICLE = """\
区役所職員にインタビュー! ─清掃・リサイクル部 後編─
今回はねつせた!メンバーのS.TとY.Kがインタビューしました。
S.T 分別アプリの利用者は何人ですか?
Iさん 令和6年度末で3万人を超えました。
"""


def test_an_article_added_from_plain_text_gets_publisher_series_and_department(
    library_dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    seeds, index = library_dirs
    source = tmp_path / "gomi-kouhen.txt"
    source.write_text(PLAIN_TEXT_ARTICLE, encoding="utf-8")

    Library(seeds, index).add(read_source(str(source)))

    stored = json.loads((seeds / "gomi-kouhen.json").read_text(encoding="utf-8"))
    assert (stored["publisher"], stored["series"], stored["department"]) == (
        "ねつせた!", "区役所職員にインタビュー!", "清掃・リサイクル部")


def test_a_text_that_does_not_name_the_series_blog_gets_no_publisher(tmp_path: Path) -> None:
    source = tmp_path / "other.txt"
    source.write_text(PLAIN_TEXT_ARTICLE.replace("ねつせた!メンバーの", "学生の"), encoding="utf-8")
    meta = read_source(str(source)).meta
    assert (meta.publisher, meta.department) == ("", "清掃・リサイクル部")


def test_adding_the_same_article_again_embeds_nothing_and_writes_nothing(library_dirs: tuple[Path, Path]) -> None:
    seeds, index = library_dirs
    Library(seeds, index).add(read_source(str(NEW_ARTICLE)))
    before_index, before_seeds = snapshot(index), snapshot(seeds)
    embedder = CountingEmbedder()

    change = Library(seeds, index, embedder=embedder).add(read_source(str(NEW_ARTICLE)))

    assert change.status == "unchanged" and change.embedded == 0
    assert embedder.embedded == 0
    assert snapshot(index) == before_index and snapshot(seeds) == before_seeds


def test_only_the_new_article_is_embedded(library_dirs: tuple[Path, Path]) -> None:
    seeds, index = library_dirs
    views_before = Retriever.load(index).data.vectors.ntotal
    embedder = CountingEmbedder()

    change = Library(seeds, index, embedder=embedder).add(read_source(str(NEW_ARTICLE)))

    new_views = Retriever.load(index).data.vectors.ntotal - views_before
    assert change.reused >= views_before  # every view of the old index, and a few the new one shares
    assert embedder.embedded == change.embedded == new_views + views_before - change.reused


def test_a_full_build_can_reuse_the_vectors_of_an_earlier_generation(library_dirs: tuple[Path, Path]) -> None:
    seeds, index = library_dirs
    earlier = Retriever.load(index)
    embedder = CountingEmbedder()

    rebuilt = Retriever.build(load_seeds(seeds), index, embedder=embedder, reuse=Reuse.from_index(earlier.data))

    assert embedder.embedded == 0
    assert rebuilt.data.path != earlier.data.path
    assert np.array_equal(rebuilt.data.vectors.reconstruct_n(0, rebuilt.data.vectors.ntotal),
                          earlier.data.vectors.reconstruct_n(0, earlier.data.vectors.ntotal))


def test_unchanged_articles_are_taken_over_without_parsing_them_again(
    library_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds, index = library_dirs
    parsed: list[str] = []
    def counting(text: str, article_id: str, meta: ArticleMeta) -> Article:
        parsed.append(article_id)
        return parse_article(text, article_id, meta)

    monkeypatch.setattr("retrieval.editing.library.parse_article", counting)

    Library(seeds, index).add(read_source(str(NEW_ARTICLE)))

    assert parsed == [NEW_ID, NEW_ID]  # the check before writing, then the build; never the old article
    old_passages = [p for p in Retriever.load(index).data.passages if p.article_id != NEW_ID]
    assert [p.to_dict() for p in old_passages] == [p.to_dict() for p in make_passages(load_article(SEEDS_ARTICLE))]


def test_new_metadata_alone_embeds_nothing(library_dirs: tuple[Path, Path]) -> None:
    seeds, index = library_dirs
    Library(seeds, index).add(read_source(str(NEW_ARTICLE)))
    embedder = CountingEmbedder()

    change = Library(seeds, index, embedder=embedder).add(read_source(str(NEW_ARTICLE), {"published": "2024-04-01"}))

    assert (change.status, embedder.embedded) == ("updated", 0)
    assert {a.id: a.published for a in Retriever.load(index).articles}[NEW_ID] == "2024-04-01"


def test_a_changed_article_replaces_its_passages(library_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    seeds, index = library_dirs
    Library(seeds, index).add(read_source(str(NEW_ARTICLE)))
    edited = tmp_path / f"{NEW_ID}.txt"
    edited.write_text(NEW_ARTICLE.read_text(encoding="utf-8").replace("約350種類", "約420種類"), encoding="utf-8")
    shutil.copy(NEW_ARTICLE.with_suffix(".json"), edited.with_suffix(".json"))
    embedder = CountingEmbedder()

    change = Library(seeds, index, embedder=embedder).add(read_source(str(edited)))

    assert change.status == "updated" and change.passages == 6
    assert 0 < embedder.embedded < change.reused  # only the edited answer's views
    texts = [p.text for p in Retriever.load(index).data.passages if p.article_id == NEW_ID]
    assert len(texts) == 6
    assert any("約420種類" in t for t in texts) and not any("約350種類" in t for t in texts)


def test_an_article_that_does_not_parse_is_rejected_and_nothing_changes(
    library_dirs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds, index = library_dirs
    broken = tmp_path / "broken.txt"
    broken.write_text("テレワークについて\n職員の半分がテレワークをしています。\n", encoding="utf-8")
    before_index, before_seeds = snapshot(index), snapshot(seeds)

    code = main(["add", str(broken), "--seeds", str(seeds), "--index", str(index)])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error: broken: no answers from ward staff found") and "\n" not in err
    assert snapshot(index) == before_index and snapshot(seeds) == before_seeds


def test_a_web_page_is_added_by_its_url_with_title_url_and_date(
    library_dirs: tuple[Path, Path], page_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds, index = library_dirs

    code = main(["add", f"{page_server}/netsuseta/n/chuhen-fixture", "--seeds", str(seeds), "--index", str(index)])

    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("added chuhen-fixture: 区役所職員にインタビュー!")
    stored = json.loads((seeds / "chuhen-fixture.json").read_text(encoding="utf-8"))
    assert stored["url"] == "https://note.example/netsuseta/n/chuhen-fixture"  # the page's canonical URL
    assert stored["title"] == "区役所職員にインタビュー! ―DX推進担当部 DX推進担当課 中編―(テスト用の架空記事)"
    assert stored["published"] == "2024-03-15"
    assert (stored["publisher"], stored["series"], stored["department"]) == (
        "ねつせた!", "区役所職員にインタビュー!", "DX推進担当部 DX推進担当課")
    text = (seeds / "chuhen-fixture.txt").read_text(encoding="utf-8")
    assert text.splitlines()[0] == stored["title"]
    assert "Kさん 窓口の担当は交代で出勤して" in text  # "Kさん：..." on the page
    assert "Kさん 区の手続きのうち" in text  # the name on its own line on the page
    assert "ログイン" not in text and "おすすめの記事" not in text
    top = Retriever.load(index).search(ONLY_IN_NEW).hits[0]
    assert (top.article_id, top.article_url) == ("chuhen-fixture", stored["url"])


def test_flags_override_what_the_page_says(library_dirs: tuple[Path, Path]) -> None:
    seeds, index = library_dirs
    draft = read_source(str(NEW_ARTICLE_PAGE), {"title": "中編", "url": "https://example.org/chuhen"}, "chuhen")
    change = Library(seeds, index).add(draft)
    assert (change.article_id, change.title, change.url) == ("chuhen", "中編", "https://example.org/chuhen")


def test_fetching_refuses_other_schemes_errors_and_oversized_pages(page_server: str) -> None:
    with pytest.raises(ArticleError, match="only http and https"):
        read_source("file:///etc/passwd")
    with pytest.raises(ArticleError, match="answered 404"):
        fetch(f"{page_server}/missing")
    with pytest.raises(ArticleError, match="larger than 5 MB"):
        fetch(f"{page_server}/big.html")


def test_an_id_taken_by_another_article_is_refused(library_dirs: tuple[Path, Path]) -> None:
    seeds, index = library_dirs
    draft = read_source(str(NEW_ARTICLE), {"url": "https://example.org/other"}, "dx-suishin-tantouka-zenpen")
    with pytest.raises(ArticleError, match="already has an article 'dx-suishin-tantouka-zenpen' from another URL"):
        Library(seeds, index).add(draft)


def test_an_article_added_without_a_url_gets_a_note_on_how_to_link_it(
        library_dirs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds, index = library_dirs
    bare = tmp_path / "chuhen-bare.txt"  # the text alone, without its .json sidecar
    shutil.copy(NEW_ARTICLE, bare)
    assert main(["add", str(bare), "--seeds", str(seeds), "--index", str(index)]) == 0
    said = capsys.readouterr().err
    assert "chuhen-bare has no URL" in said and "--url" in said
    assert main(["add", str(NEW_ARTICLE), "--seeds", str(seeds), "--index", str(index)]) == 0
    assert "has no URL" not in capsys.readouterr().err


def test_list_and_remove(library_dirs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    seeds, index = library_dirs
    where = ["--seeds", str(seeds), "--index", str(index)]
    assert main(["add", str(NEW_ARTICLE), *where]) == 0
    capsys.readouterr()

    assert main(["list", "--json", *where]) == 0
    listed = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert set(listed) == {"dx-suishin-tantouka-zenpen", NEW_ID}
    assert listed[NEW_ID]["passages"] == 6 and listed[NEW_ID]["url"].startswith("https://note.example/")

    assert main(["remove", NEW_ID, *where]) == 0
    assert capsys.readouterr().out.startswith(f"removed {NEW_ID}")
    assert not (seeds / f"{NEW_ID}.txt").exists() and not (seeds / f"{NEW_ID}.json").exists()
    assert [a.id for a in Retriever.load(index).articles] == ["dx-suishin-tantouka-zenpen"]

    assert main(["remove", NEW_ID, *where]) == 2
    assert "there is no article" in capsys.readouterr().err
    assert main(["remove", "dx-suishin-tantouka-zenpen", *where]) == 2
    assert "the only article" in capsys.readouterr().err


def test_the_live_retriever_switches_to_the_new_generation_with_the_same_embedder(
    library_dirs: tuple[Path, Path],
) -> None:
    seeds, index = library_dirs
    live = LiveRetriever(index, check_every=0)
    before, embedder = live.current(), live.current().embedder
    assert all(h.article_id != NEW_ID for h in before.search(ONLY_IN_NEW).hits)

    Library(seeds, index).add(read_source(str(NEW_ARTICLE)))

    after = live.current()
    assert after is not before and after.embedder is embedder
    assert live.generation == current_generation(index).name
    assert after.search(ONLY_IN_NEW).hits[0].article_id == NEW_ID
    assert before.search(ONLY_IN_NEW).hits  # a request still holding the old one keeps working


def test_the_live_retriever_checks_at_most_every_interval(library_dirs: tuple[Path, Path]) -> None:
    seeds, index = library_dirs
    live = LiveRetriever(index, check_every=3600)
    first = live.current()
    Library(seeds, index).add(read_source(str(NEW_ARTICLE)))
    assert live.current() is first
    assert live.refresh() is not first
