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

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from filelock import FileLock, Timeout

from ..errors import ArticleError, IndexBusyError, IndexStoreError
from ..index.build import BuildReport, IndexedArticle, build_generation
from ..index.embedding import DEFAULT_MODEL, Embedder, load_embedder
from ..index.lexical import DEFAULT_TOKENIZER
from ..index.reuse import Reuse
from ..index.store import (
    MANIFEST,
    ArticleInfo,
    IndexData,
    current_generation,
    load_index,
    load_intact,
    remove_staging,
)
from ..ingest.articles import Article, ArticleMeta, parse_article, read_text, sidecar_meta
from ..ingest.links import check_url, safe_url
from ..ingest.passages import make_passages
from ..ingest.sources import Draft, check_article_id
from ..search.evaluate import Fitted, fit_calibration
from ..search.retriever import Retriever
from . import seeds

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
    """One article in the index, or in ``seeds/`` only: ``state`` says which."""

    id: str
    title: str
    url: str
    published: str | None
    passages: int
    state: Literal["indexed", "not indexed", "changed", "only in the index"] = "indexed"


@contextmanager
def update_lock(index_dir: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the index's update lock; wait up to ``timeout`` seconds (0: do not wait).

    ``filelock`` (an flock on ``index/.lock``; the kernel drops it when a holder dies, so a killed
    update never leaves the index locked). The holder first removes the ``.tmp-gen-*`` folders that
    killed updates left behind: under the lock nobody else can be writing one.
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    lock = FileLock(path, timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise IndexBusyError(
            f"another update is running on {index_dir} (it holds {path}); try again when it has finished"
        ) from None
    try:
        remove_staging(index_dir)
        yield
    finally:
        lock.release()


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
        self._repair = False  # set by _previous: the current generation is damaged, write a new one

    def list(self) -> list[Listing]:
        """The articles of the current generation, in index order, then what ``seeds/`` has that
        the index lacks (e.g. after a killed ``add``); the next add, remove or build takes it in."""
        data = load_index(self.index_dir)
        counts = Counter(p.article_id for p in data.passages)
        pending = self.pending(data)
        listings = [Listing(a.id, a.title, a.url, a.published, counts[a.id], pending.get(a.id, "indexed"))
                    for a in data.articles.values()]
        for article_id, state in pending.items():
            if state == "not indexed":
                meta = sidecar_meta(seeds.article_paths(self.seeds_dir, article_id)[0])
                listings.append(Listing(article_id, meta.title or article_id, meta.url, meta.published, 0, state))
        return listings

    def pending(self, data: IndexData | None) -> dict[str, str]:
        """Articles where ``seeds/`` and the generation ``data`` disagree: id → ``not indexed``,
        ``changed`` or ``only in the index``."""
        found: dict[str, str] = {}
        for path in sorted(self.seeds_dir.glob("*.txt")):
            info = data.articles.get(path.stem) if data else None
            try:
                text, meta = read_text(path), sidecar_meta(path)
            except ArticleError:
                found[path.stem] = "changed" if info else "not indexed"
                continue
            if info is None:
                found[path.stem] = "not indexed"
            elif info.source_sha256 != hashlib.sha256(text.encode()).hexdigest() or not _same_meta(info, meta, text):
                found[path.stem] = "changed"
        for article_id in data.articles if data else ():
            if not seeds.article_paths(self.seeds_dir, article_id)[0].exists():
                found[article_id] = "only in the index"
        return found

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
            if old == info and same_files and previous and not self._repair and not self.pending(previous):
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

    # -- internals ---------------------------------------------------------------------------------
    def _previous(self) -> IndexData | None:
        """The current generation (or, when it is damaged, the newest intact one, whose vectors are
        then reused); ``None`` when there is none or none can be used."""
        self._repair = False
        try:
            if current_generation(self.index_dir) is None:
                return None
        except IndexStoreError:
            pass  # a damaged CURRENT: look for an intact generation all the same
        try:
            data, problems = load_intact(self.index_dir)
        except IndexStoreError as error:
            self._say(f"warning: the current index cannot be reused ({error}); embedding everything again")
            self._repair = True
            return None
        for problem in problems:
            self._say(f"warning: {problem.split('; rebuild')[0]}; reusing {data.path.name}, writing a new generation")
        self._repair = bool(problems)
        return data

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
        known = IndexedArticle.all_in(previous) if previous else {}
        articles: list[Article | IndexedArticle] = []
        for path in paths:
            text, meta = read_text(path), sidecar_meta(path)
            old = previous.articles.get(path.stem) if previous else None
            if old and old.source_sha256 == hashlib.sha256(text.encode()).hexdigest() and _same_meta(old, meta, text):
                articles.append(known[old.id])
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
    return (title, safe_url(meta.url), meta.publisher, meta.department, meta.series, meta.published) == (
        info.title, info.url, info.publisher, info.department, info.series, info.published)


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def calibrate_index(index_dir: Path, questions: list[dict], unanswerable: list[dict],
                    progress: Callable[[str], None] | None = None) -> tuple[Fitted, BuildReport]:
    """Fit the abstention model on questions about this index's articles and store it in a new
    generation (nothing is embedded again). Holds the update lock."""
    index_dir = Path(index_dir)
    with update_lock(index_dir):
        retriever = Retriever.load(index_dir)
        data = retriever.data
        fitted = fit_calibration(retriever, questions, unanswerable)
        report = build_generation(list(IndexedArticle.all_in(data).values()), index_dir, retriever.embedder,
                                  data.manifest.get("tokenizer", DEFAULT_TOKENIZER), Reuse.from_index(data), progress,
                                  calibration=fitted.calibration)
    return fitted, report
