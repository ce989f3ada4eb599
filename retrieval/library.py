"""The editor's side: add, replace or remove one article, and bring the index up to date with it.

``seeds/`` holds the articles; the index is built from them. A change first writes ``seeds/``
(atomically), then builds a complete new index generation that re-uses every vector and token list
the current generation already has (:mod:`retrieval.reuse`), so only the new or changed article is
embedded. The generation is verified and switched in atomically by :mod:`retrieval.store`; a crash
at any moment leaves the previous generation in use, and running the same ``add`` again finishes
the job. When the index update fails with an error, the change to ``seeds/`` is undone.

Changes hold an exclusive lock on ``index/.lock``: a second update waits up to ``lock_timeout``
seconds, then stops with :class:`IndexBusyError`. Readers never take the lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import seeds
from .articles import Article, ArticleMeta, parse_article, read_text, sidecar_meta
from .embedding import DEFAULT_MODEL, Embedder, load_embedder
from .errors import ArticleError, IndexBusyError, IndexStoreError
from .indexing import BuildReport, IndexedArticle, build_generation
from .lexical import DEFAULT_TOKENIZER
from .links import check_url
from .passages import Passage, make_passages
from .reuse import Reuse
from .sources import Draft, check_article_id
from .store import MANIFEST, ArticleInfo, IndexData, current_generation, load_index

LOCK_FILE = ".lock"
LOCK_TIMEOUT = 30.0
Status = Literal["added", "updated", "unchanged", "removed"]


@dataclass(frozen=True)
class Change:
    """What an editor's command did to one article, and the generation in use afterwards."""

    status: Status
    article_id: str
    title: str
    url: str
    passages: int
    embedded: int
    reused: int
    generation: str


@dataclass(frozen=True)
class Listing:
    """One article in the index."""

    id: str
    title: str
    url: str
    published: str | None
    passages: int


@contextmanager
def update_lock(index_dir: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the index's update lock; wait up to ``timeout`` seconds (0: do not wait)."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    with path.open("a+b") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another update is running on {index_dir} (it holds {path}); "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class Library:
    """Articles in ``seeds_dir`` and the index in ``index_dir``, changed one article at a time.

    The embedder is the one the index was built with (loaded from its manifest) unless given;
    ``model`` is only used when there is no index yet, or to check it matches.
    """

    def __init__(self, seeds_dir: Path, index_dir: Path, *, embedder: Embedder | None = None,
                 model: str | None = None, lock_timeout: float = LOCK_TIMEOUT,
                 progress: Callable[[str], None] | None = None) -> None:
        self.seeds_dir = Path(seeds_dir)
        self.index_dir = Path(index_dir)
        self._embedder = embedder
        self._model = model
        self._lock_timeout = lock_timeout
        self._say = progress or (lambda message: None)

    def list(self) -> list[Listing]:
        """The articles of the current generation, in index order."""
        data = load_index(self.index_dir)
        counts = Counter(p.article_id for p in data.passages)
        return [Listing(a.id, a.title, a.url, a.published, counts[a.id]) for a in data.articles.values()]

    def add(self, draft: Draft) -> Change:
        """Add an article, or replace the one with the same id. Nothing is written when it does not
        parse or when it is already in the index exactly like this (status ``unchanged``)."""
        check_url(draft.meta.url)
        article = parse_article(draft.text, check_article_id(draft.id), draft.meta)
        info = ArticleInfo.from_meta(article.id, article.title, article.meta, article.source)
        text_path, meta_path = seeds.article_paths(self.seeds_dir, article.id)
        with update_lock(self.index_dir, self._lock_timeout):
            seeds.remove_leftovers(self.seeds_dir)
            previous = self._previous()
            old = previous.articles.get(article.id) if previous else None
            if old and old.url and info.url and old.url != info.url:
                raise ArticleError(
                    f"the index already has an article {article.id!r} from another URL ({old.url}); "
                    "give the new one another id with --id, or remove the old one first"
                )
            same_files = (_read(text_path) == draft.text.encode() and _read(meta_path) == seeds.meta_json(draft.meta))
            if old == info and same_files and previous is not None:
                count = sum(p.article_id == article.id for p in previous.passages)
                return Change("unchanged", article.id, info.title, info.url, count, 0, 0, previous.path.name)
            saved = seeds.snapshot(self.seeds_dir, article.id)
            seeds.save_article(self.seeds_dir, article.id, draft.text, draft.meta)
            report = self._rebuild_or_undo(previous, saved)
        return Change("updated" if old else "added", article.id, info.title, info.url,
                      len(make_passages(article)), report.embedded, report.reused, report.folder.name)

    def remove(self, article_id: str) -> Change:
        """Remove an article from ``seeds/`` and the index."""
        text_path, _ = seeds.article_paths(self.seeds_dir, check_article_id(article_id))
        with update_lock(self.index_dir, self._lock_timeout):
            seeds.remove_leftovers(self.seeds_dir)
            previous = self._previous()
            old = previous.articles.get(article_id) if previous else None
            if old is None and not text_path.exists():
                raise ArticleError(f"there is no article {article_id!r}; see: python -m retrieval list")
            if not any(p != text_path for p in self.seeds_dir.glob("*.txt")):
                raise ArticleError(f"{article_id!r} is the only article; an index needs at least one")
            saved = seeds.snapshot(self.seeds_dir, article_id)
            seeds.remove_article(self.seeds_dir, article_id)
            report = self._rebuild_or_undo(previous, saved)
        return Change("removed", article_id, old.title if old else article_id, old.url if old else "",
                      0, report.embedded, report.reused, report.folder.name)

    def sync(self) -> BuildReport:
        """Bring the index in line with ``seeds/``, embedding only what changed."""
        with update_lock(self.index_dir, self._lock_timeout):
            return self._rebuild(self._previous())

    # -- internals ---------------------------------------------------------------------------------
    def _previous(self) -> IndexData | None:
        """The current generation, or ``None`` when there is none or it cannot be used."""
        try:
            if current_generation(self.index_dir) is None:
                return None
            return load_index(self.index_dir)
        except IndexStoreError as error:
            self._say(f"warning: the current index cannot be reused ({error}); embedding everything again")
            return None

    def _damaged_index_model(self) -> str | None:
        """The model named by the current generation's manifest, even when the generation is damaged."""
        try:
            folder = current_generation(self.index_dir)
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8")) if folder else {}
            return str(manifest["embedder"].get("model") or manifest["embedder"]["name"])
        except (IndexStoreError, OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _embedder_for(self, previous: IndexData | None) -> Embedder:
        built_with = previous.manifest["embedder"] if previous else None
        embedder = self._embedder
        if embedder is None:
            spec = self._model or (built_with.get("model") or built_with["name"] if built_with else None)
            spec = spec or self._damaged_index_model() or DEFAULT_MODEL
            embedder = load_embedder(spec)
        if built_with and (embedder.name != built_with["name"] or embedder.dim != built_with["dim"]):
            raise IndexStoreError(
                f"the index was built with {built_with['name']}, not {embedder.name}; to change the "
                f"model, rebuild it with: python -m retrieval build --model {embedder.spec}"
            )
        self._embedder = embedder
        return embedder

    def _rebuild(self, previous: IndexData | None) -> BuildReport:
        embedder = self._embedder_for(previous)
        tokenizer = previous.manifest.get("tokenizer", DEFAULT_TOKENIZER) if previous else DEFAULT_TOKENIZER
        reuse = Reuse.from_index(previous) if previous else None
        return build_generation(self._articles(previous), self.index_dir, embedder, tokenizer, reuse, self._say)

    def _articles(self, previous: IndexData | None) -> list[Article | IndexedArticle]:
        """Every article in ``seeds/``: parsed when new or changed, else as the previous generation has it."""
        paths = sorted(self.seeds_dir.glob("*.txt"))
        if not paths:
            raise ArticleError(f"{self.seeds_dir}: no article files (*.txt) found")
        known: dict[str, list[Passage]] = {}
        for passage in previous.passages if previous else ():
            known.setdefault(passage.article_id, []).append(passage)
        articles: list[Article | IndexedArticle] = []
        for path in paths:
            text, meta = read_text(path), sidecar_meta(path)
            old = previous.articles.get(path.stem) if previous else None
            if old and old.source_sha256 == hashlib.sha256(text.encode()).hexdigest() and _same_meta(old, meta, text):
                articles.append(IndexedArticle(old, tuple(known.get(old.id, ()))))
            else:
                articles.append(parse_article(text, path.stem, meta))
        return articles

    def _rebuild_or_undo(self, previous: IndexData | None, saved: seeds.Snapshot) -> BuildReport:
        try:
            return self._rebuild(previous)
        except BaseException:
            seeds.restore(saved)
            raise


def _same_meta(info: ArticleInfo, meta: ArticleMeta, source: str) -> bool:
    """Whether ``meta`` gives the same citation data (and so the same passages) as ``info``."""
    title = meta.title or next((line.strip() for line in source.splitlines() if line.strip()), "")
    return (title, meta.url, meta.publisher, meta.department, meta.series, meta.published) == (
        info.title, info.url, info.publisher, info.department, info.series, info.published)


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None
