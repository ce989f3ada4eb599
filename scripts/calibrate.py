"""Fit the abstention model (retrieval/calibration.json) for an index's embedder.

    python scripts/calibrate.py [--index index]

Answerable questions (tests/data/dev.jsonl, extra.jsonl) are positives, unanswerable ones
(dev_oos.jsonl, extra_oos.jsonl) negatives; the features are those of the top-ranked hit. A
logistic regression with an L2 penalty is fitted by Newton's method. Leave-one-out error rates,
judged the way search() decides (the best of the first three hits), are printed so the figures in
docs/measurements.md can be checked. tests/data/fresh*.jsonl is kept out of the fit on purpose.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval import Retriever  # noqa: E402
from retrieval.evaluate import load_questions  # noqa: E402
from retrieval.search import ANSWER_WINDOW, CALIBRATION_FILE, FEATURES  # noqa: E402

DATA = ROOT / "tests" / "data"
PENALTY = 1.0


def fit(x: np.ndarray, y: np.ndarray, penalty: float = PENALTY) -> tuple[float, np.ndarray]:
    """Logistic regression on standardised features; returns (bias, weights) in raw units."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.column_stack([np.ones(len(x)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    reg = np.eye(z.shape[1]) * penalty
    reg[0, 0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + reg @ w
        hessian = z.T @ (z * (p * (1 - p))[:, None]) + reg
        w -= np.linalg.solve(hessian, gradient)
    weights = w[1:] / scale
    return float(w[0] - weights @ mean), weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / "index"))
    args = parser.parse_args()
    retriever = Retriever.load(Path(args.index))
    answerable = load_questions(DATA / "dev.jsonl") + load_questions(DATA / "extra.jsonl")
    unanswerable = load_questions(DATA / "dev_oos.jsonl", False) + load_questions(DATA / "extra_oos.jsonl", False)
    # Fitted on the top hit's features; judged as search() decides: the best of the first hits.
    candidates = [np.array([c.features for c in retriever.features(q["q"])[:ANSWER_WINDOW]])
                  for q in answerable + unanswerable]
    x = np.array([c[0] for c in candidates])
    y = np.array([1.0] * len(answerable) + [0.0] * len(unanswerable))
    abstained = []
    for i in range(len(x)):
        keep = np.arange(len(x)) != i
        bias, weights = fit(x[keep], y[keep])
        probabilities = 1 / (1 + np.exp(-(bias + candidates[i] @ weights)))
        abstained.append(probabilities.max() < 0.5)
    abstained = np.array(abstained)
    print(f"leave-one-out: answerable wrongly abstained {abstained[y == 1].mean():.3f}, "
          f"unanswerable abstained {abstained[y == 0].mean():.3f}")
    bias, weights = fit(x, y)
    table = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8")) if CALIBRATION_FILE.exists() else {}
    table[retriever.embedder.name] = {"bias": round(bias, 4), "weights": [round(float(w), 4) for w in weights],
                                      "features": list(FEATURES), "threshold": 0.5,
                                      "fitted_on": len(x)}
    CALIBRATION_FILE.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{retriever.embedder.name}: bias {bias:.3f}, weights {dict(zip(FEATURES, weights.round(3), strict=False))}")


if __name__ == "__main__":
    main()
