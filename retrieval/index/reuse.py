"""Stage 4a: what a new index generation can take over from the previous one, found by content hash.

Each generation stores, next to its vectors, the SHA-256 of every view it embedded (the embedder's
name and the view's text) and the BM25 tokens of every passage (keyed by the tokenizer's name and
the text). The next build looks its views and passages up here and only embeds and tokenizes what
is new, so adding one article costs about what embedding that article costs. The files are plain
NumPy and JSONL (no pickle) and are covered by the manifest's checksums like every other file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .calibration import Calibration
from .store import IndexData

VIEW_HASHES = "view_hashes.npy"
LEXICAL_TOKENS = "lexical_tokens.jsonl"
DIGEST = 32


def view_key(embedder_name: str, text: str) -> bytes:
    """The cache key of one embedded view: SHA-256 of the embedder's name and the text."""
    return hashlib.sha256(f"{embedder_name}\n{text}".encode()).digest()


def document_key(tokenizer_name: str, text: str) -> str:
    """The cache key of one tokenized passage: SHA-256 of the tokenizer's name and the text."""
    return hashlib.sha256(f"{tokenizer_name}\n{text}".encode()).hexdigest()


@dataclass(frozen=True)
class Reuse:
    """Vectors and tokens of an earlier generation, by key. Empty when there is nothing to reuse."""

    rows: dict[bytes, int] = field(default_factory=dict)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    tokens: dict[str, list[str]] = field(default_factory=dict)
    calibration: Calibration | None = None  # the previous generation's, kept by the next build

    @classmethod
    def from_index(cls, data: IndexData) -> Reuse:
        """What ``data`` (a loaded, verified generation) offers; empty for generations without a cache."""
        folder = data.path
        rows: dict[bytes, int] = {}
        vectors = np.zeros((0, 0), np.float32)
        hashes_path = folder / VIEW_HASHES
        if hashes_path.is_file() and VIEW_HASHES in data.manifest.get("checksums", {}):
            hashes = np.load(hashes_path, allow_pickle=False)
            if hashes.shape == (data.vectors.ntotal, DIGEST):
                vectors = data.vectors.reconstruct_n(0, data.vectors.ntotal)
                rows = {digest.tobytes(): row for row, digest in enumerate(hashes)}
        tokens: dict[str, list[str]] = {}
        tokens_path = folder / LEXICAL_TOKENS
        if tokens_path.is_file() and LEXICAL_TOKENS in data.manifest.get("checksums", {}):
            with tokens_path.open(encoding="utf-8") as handle:
                for line in handle:
                    row = json.loads(line)
                    tokens[row["key"]] = row["tokens"]
        return cls(rows, vectors, tokens, data.calibration)

    def lookup(self, keys: Sequence[bytes], dim: int) -> tuple[np.ndarray, list[int]]:
        """Vectors for ``keys`` (zeros where unknown) and the positions that still need embedding."""
        found = np.zeros((len(keys), dim), np.float32)
        missing: list[int] = []
        usable = self.vectors.ndim == 2 and self.vectors.shape[1] == dim
        for position, key in enumerate(keys):
            row = self.rows.get(key) if usable else None
            if row is None:
                missing.append(position)
            else:
                found[position] = self.vectors[row]
        return found, missing


def save(folder: Path, view_keys: Sequence[bytes], document_keys: Sequence[str],
         tokens: Sequence[list[str]]) -> None:
    """Write the cache files of a generation into ``folder`` (its staging folder)."""
    hashes = np.frombuffer(b"".join(view_keys), dtype=np.uint8).reshape(len(view_keys), DIGEST)
    np.save(folder / VIEW_HASHES, hashes, allow_pickle=False)
    with (folder / LEXICAL_TOKENS).open("w", encoding="utf-8") as handle:
        for key, words in zip(document_keys, tokens, strict=True):
            handle.write(json.dumps({"key": key, "tokens": words}, ensure_ascii=False) + "\n")
