"""Stage 5: score passages for a question. Dense and BM25 rankings, fused; answer or abstain.

- Dense: every passage is embedded as several views (answer, question, question+answer,
  paragraphs, sentences). A passage's dense score is the mean of its best view and the average
  of its views: the best view finds the one sentence that answers, the average keeps long
  answers from winning by sheer number of sentences.
- Lexical: BM25 over question+answer.
- Fusion: reciprocal rank fusion (k=60). On the dev set and our own questions it beat weighted
  score sums and either ranking alone (docs/measurements.md).
- Abstention: a logistic model over three signals gives each hit a probability that it answers
  the question; the articles "answer" when the best hit reaches ``threshold``. The signals: the
  hit's best view cosine; the question's best cosine with the *background* (background.txt:
  statements about everyday ward services the interviews do not cover, so a question about
  住民票 or 粗大ごみ sits closer to them than to any passage); and whether the question is
  English (cross-lingual cosines run lower, on both sides).
"""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .store import IndexData

RRF_K = 60
DENSE_VIEWS = 128  # views fetched from FAISS before exact per-passage scoring
LEXICAL_CANDIDATES = 20
ANSWER_WINDOW = 3  # the articles answer when one of the first hits is a confident match
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
FEATURES = ("dense", "background", "english")


@dataclass(frozen=True)
class Calibration:
    """Logistic weights per feature in ``FEATURES`` plus a bias; fitted by scripts/calibrate.py."""

    bias: float
    weights: tuple[float, ...]
    threshold: float = 0.5

    def probability(self, features: np.ndarray) -> np.ndarray:
        z = self.bias + features @ np.asarray(self.weights)
        return 1.0 / (1.0 + np.exp(-z))


# For an embedder nobody has calibrated: answer when the best passage is closer than the background.
FALLBACK = Calibration(bias=0.0, weights=(40.0, -40.0, 0.0))


def calibration_for(embedder_name: str) -> Calibration:
    try:
        table = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return FALLBACK
    entry = table.get(embedder_name)
    if not entry or entry.get("features") != list(FEATURES):  # fitted for other features: refit
        return FALLBACK
    return Calibration(entry["bias"], tuple(entry["weights"]), entry.get("threshold", 0.5))


def english_share(text: str) -> float:
    letters = [ch for ch in unicodedata.normalize("NFKC", text) if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(ch.isascii() for ch in letters) / len(letters)


@dataclass(frozen=True)
class Scored:
    """A candidate passage with its fused rank score, features and calibrated probability."""

    passage: int
    fused: float
    features: np.ndarray
    probability: float


class Scorer:
    """Scores one index. Read-only after construction, so one instance serves many threads."""

    def __init__(self, data: IndexData, calibration: Calibration) -> None:
        self.data = data
        self.calibration = calibration
        order = np.argsort(data.view_owner, kind="stable")
        bounds = np.searchsorted(data.view_owner[order], np.arange(len(data.passages) + 1))
        self._views_of = [order[bounds[i] : bounds[i + 1]] for i in range(len(data.passages))]

    def view_vectors(self, passage: int) -> np.ndarray:
        """The stored vectors of a passage's views, in the order ``passages.views()`` gives them."""
        return self.data.vectors.reconstruct_batch(self._views_of[passage])

    def dense_scores(self, query_vector: np.ndarray, passages: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(best view cosine, ranking score) for the given passages."""
        best = np.empty(len(passages), np.float32)
        blended = np.empty(len(passages), np.float32)
        for i, passage in enumerate(passages):
            vectors = self.view_vectors(passage)
            cosines = vectors @ query_vector
            best[i] = cosines.max()
            blended[i] = 0.5 * cosines.max() + 0.5 * cosines.mean()
        return best, blended

    def candidates(self, query_vector: np.ndarray, lexical: np.ndarray) -> list[int]:
        index = self.data.vectors
        _, view_ids = index.search(query_vector[None, :], min(index.ntotal, DENSE_VIEWS))
        seen: dict[int, None] = {}
        for view in view_ids[0]:
            if view >= 0:
                seen.setdefault(int(self.data.view_owner[view]), None)
        for doc in np.argsort(-lexical, kind="stable")[:LEXICAL_CANDIDATES]:
            if lexical[doc] > 0:
                seen.setdefault(int(doc), None)
        return list(seen)

    def background(self, query_vector: np.ndarray) -> float:
        """The question's best cosine with a background statement (-1 without any)."""
        if not len(self.data.background):
            return -1.0
        return float((self.data.background @ query_vector).max())

    def score(self, question: str, query_vector: np.ndarray) -> list[Scored]:
        """Candidates for a question, best first."""
        lexical = self.data.lexical.scores(question)
        passages = self.candidates(query_vector, lexical)
        if not passages:
            return []
        best, blended = self.dense_scores(query_vector, passages)
        dense_rank = np.argsort(np.argsort(-blended, kind="stable"), kind="stable")
        lexical_here = lexical[passages]
        lexical_rank = np.argsort(np.argsort(-lexical_here, kind="stable"), kind="stable")
        fused = 1.0 / (RRF_K + dense_rank + 1) + np.where(lexical_here > 0, 1.0 / (RRF_K + lexical_rank + 1), 0.0)
        english = 1.0 if english_share(question) > 0.5 else 0.0
        features = np.column_stack([
            best, np.full(len(passages), self.background(query_vector)), np.full(len(passages), english),
        ]).astype(np.float64)
        probability = self.calibration.probability(features)
        order = sorted(range(len(passages)), key=lambda i: (-fused[i], passages[i]))
        return [Scored(passages[i], float(fused[i]), features[i], float(probability[i])) for i in order]


def shown_scores(probabilities: list[float], window: int = ANSWER_WINDOW) -> list[float]:
    """The scores a reader sees, best first, never rising down the list.

    Within the first ``window`` hits a score is the best probability at or below that rank: the
    fusion may rank the passage that answers first although the calibration is surer of one a
    place lower, and then the articles do answer the question. The first score is the result's
    confidence; ``answered`` is that score reaching the threshold.
    """
    shown, ceiling = [], math.inf
    for rank, p in enumerate(probabilities):
        if rank < window:
            p = max(probabilities[rank:window])
        ceiling = min(ceiling, p)
        shown.append(ceiling)
    return shown
