"""The ``seeds/`` folder as an editor changes it: ``NAME.txt`` plus its ``NAME.json`` metadata.

Every write goes through :func:`retrieval.files.write_atomic` (temporary file, fsync, atomic
rename), so a reader (or a crash) sees the old file or the new one, never half of one.
:func:`snapshot` and :func:`restore` undo an editor's change when the index update after it fails.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ..files import fsync_dir, write_atomic
from ..ingest.articles import ArticleMeta

Snapshot = dict[Path, bytes | None]


def article_paths(seeds_dir: Path, article_id: str) -> tuple[Path, Path]:
    """(text file, metadata file) of an article."""
    return Path(seeds_dir) / f"{article_id}.txt", Path(seeds_dir) / f"{article_id}.json"


def meta_json(meta: ArticleMeta) -> bytes:
    """The metadata sidecar, in the same shape as the shipped ones."""
    return (json.dumps(asdict(meta), ensure_ascii=False, indent=2) + "\n").encode()


def remove_leftovers(seeds_dir: Path) -> None:
    """Delete temporary files that an update killed half-way left behind (call under the lock)."""
    for leftover in Path(seeds_dir).glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def delete(path: Path) -> None:
    path.unlink(missing_ok=True)
    fsync_dir(path.parent)


def snapshot(seeds_dir: Path, article_id: str) -> Snapshot:
    """The current bytes of an article's files (``None`` for a file that does not exist)."""
    return {path: path.read_bytes() if path.is_file() else None for path in article_paths(seeds_dir, article_id)}


def restore(saved: Snapshot) -> None:
    """Put an article's files back as :func:`snapshot` found them."""
    for path, data in saved.items():
        if data is None:
            delete(path)
        else:
            write_atomic(path, data)


def save_article(seeds_dir: Path, article_id: str, text: str, meta: ArticleMeta) -> None:
    """Write (or replace) an article and its metadata. Metadata first: a crash in between leaves
    the previous text, which still parses, and the next ``add`` finishes the job."""
    text_path, meta_path = article_paths(seeds_dir, article_id)
    Path(seeds_dir).mkdir(parents=True, exist_ok=True)
    write_atomic(meta_path, meta_json(meta))
    write_atomic(text_path, text.encode())


def remove_article(seeds_dir: Path, article_id: str) -> None:
    """Delete an article's text, then its metadata."""
    text_path, meta_path = article_paths(seeds_dir, article_id)
    delete(text_path)
    delete(meta_path)
