"""Stage 4d: an English question's vector, moved toward how the interviews answer such questions.

The bundled model places a reader's English question ("Can I pay cashless?") and the Japanese staff
answer that meets it less close than it could. A linear map of the question's vector, ``q + A q``
(then unit length), fitted by the developers on the tuning side's questions and their answers
(``scripts/fit_query_adapter.py``; docs/measurements.md, round 8), moves it toward the passages that
answer it. The search applies it to English questions only: for Japanese ones it gained little on
the tuning side and cost the shipped article's dev set and follow-ups. Passages are not touched:
the index, ``add`` and its vectors stay as they are, and a search costs one small matrix product more.

The maps ship with the package (``query_adapters.npz``, read-only at run time), one per embedder
name; an embedder without one is used as it is. A calibration records the map it was fitted
under (``Calibration.query_adapter``): one fitted under another map is refitted, not reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

ADAPTERS_FILE = Path(__file__).with_name("query_adapters.npz")
# The fit (chosen leaving one tuning-side writer out at a time; docs/measurements.md, round 8).
STEPS = 30
LEARNING_RATE = 1e-3
TEMPERATURE = 50.0  # cosines of one question's candidates lie close together; the softmax needs them spread
PENALTY = 0.01  # L2 on the map: it stays a small move from the bundled model's own vectors


@dataclass(frozen=True)
class QueryAdapter:
    """The map for one embedder (``matrix`` None: none, the vectors are used as they are)."""

    matrix: np.ndarray | None = None

    @property
    def digest(self) -> str:
        """Names the map (empty for none): what a calibration was fitted under."""
        if self.matrix is None:
            return ""
        return hashlib.sha256(np.ascontiguousarray(self.matrix, dtype=np.float32).tobytes()).hexdigest()[:16]

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """The questions' vectors (one per row, unit length) as the index compares them."""
        if self.matrix is None:
            return vectors
        moved = vectors + vectors @ self.matrix.T
        return (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)


@cache
def adapter_for(embedder_name: str) -> QueryAdapter:
    """The shipped map for an embedder, else none."""
    try:
        with np.load(ADAPTERS_FILE, allow_pickle=False) as table:
            names = [str(name) for name in table["names"]]
            if embedder_name in names:
                return QueryAdapter(table[f"matrix{names.index(embedder_name)}"].astype(np.float32))
    except (FileNotFoundError, OSError, KeyError, ValueError):
        pass
    return QueryAdapter()


def save_adapters(adapters: dict[str, np.ndarray], path: Path = ADAPTERS_FILE) -> None:
    """Write the maps, by embedder name (the developers' fit; never at run time)."""
    arrays = {f"matrix{i}": matrix.astype(np.float32) for i, matrix in enumerate(adapters.values())}
    np.savez_compressed(path, names=np.array(list(adapters)), **arrays)


@dataclass(frozen=True)
class Example:
    """One question for the fit: its vector, its candidates' views (view 0 the whole exchange), the answer's place."""

    query: np.ndarray
    views: Sequence[np.ndarray]
    answer: int


def _targets(u: np.ndarray, example: Example, whole_weight: float) -> np.ndarray:
    """Per candidate, the vector its dense score is the product with (the best other view under ``u``)."""
    rows = []
    for views in example.views:
        others = views[1:] if len(views) > 1 else views[:1]
        rows.append(whole_weight * views[0] + (1 - whole_weight) * others[int(np.argmax(others @ u))])
    return np.stack(rows)


def fit_adapter(examples: Sequence[Example], whole_weight: float, steps: int = STEPS) -> np.ndarray:
    """The map ``A`` that raises each question's answer among its candidates (softmax loss, Adam).

    ``whole_weight``: the ranking's share of the whole exchange in a candidate's dense score (the rest
    is its best other view), ``ranking.WHOLE_WEIGHT`` for the shipped map."""
    dim = examples[0].query.shape[0]
    matrix, first, second = np.zeros((dim, dim)), np.zeros((dim, dim)), np.zeros((dim, dim))
    examples = [Example(e.query.astype(np.float64), [v.astype(np.float64) for v in e.views], e.answer)
                for e in examples]
    for step in range(1, steps + 1):
        gradient = np.zeros((dim, dim))
        for example in examples:
            q = example.query
            moved = q + matrix @ q
            norm = np.linalg.norm(moved)
            u = moved / norm
            targets = _targets(u, example, whole_weight)
            logits = TEMPERATURE * (targets @ u)
            p = np.exp(logits - logits.max())
            p /= p.sum()
            du = -TEMPERATURE * (targets[example.answer] - p @ targets)
            gradient += np.outer((du - u * (u @ du)) / norm, q)
        gradient = gradient / len(examples) + PENALTY * matrix
        first = 0.9 * first + 0.1 * gradient
        second = 0.999 * second + 0.001 * gradient**2
        matrix -= LEARNING_RATE * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return matrix.astype(np.float32)
