"""Durable file writes, in one place: a reader (or a crash) sees the old file or the new one, never half.

Used for the seeds files (retrieval/editing/seeds.py) and the index's ``CURRENT`` pointer (retrieval/index/store.py).
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (new, renamed or deleted files) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: a hidden temporary file (``.NAME.PID.tmp``) in the same folder,
    fsync, atomic rename, fsync the folder. A killed write leaves only the temporary file."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_dir(path.parent)
