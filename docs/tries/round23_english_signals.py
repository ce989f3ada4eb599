"""Round 23, tuning side only: five more signals for English "not found", read beside the shipped probability on
exam10 ... exam25's English questions, each split on its own index (640 answerable, 384 unanswerable).

    python docs/tries/round23_english_signals.py [--work /tmp/sweep]

Signals: how far the question map moves the question (|Aq|), how much it lifts the best match (best dense score with
the map less without), and the shape of the candidates' dense scores (first less second, first less the mean of the
best 50, spread of the best 10). Each is read alone (AUROC) and added to the shipped probability's logit in a
logistic model cross-validated over eight blocks of two splits, against the probability refitted alone the same way.
Indexes are taken from --work when ``docs/tries/sweep_ranking_weight.py`` left them there, else built.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from corpus_sets import SEED_FILES, index_of, split_files, split_questions  # noqa: E402

from retrieval.index.embedding import load_embedder  # noqa: E402
from retrieval.search.ranking import ANSWER_WINDOW, QueryVector, is_english  # noqa: E402

SPLITS = [f"exam{i}" for i in range(10, 26)]
SIGNALS = ("map displacement", "map lift", "first less second", "first less mean of 50", "spread of best 10")


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    pos, neg = scores[labels], scores[~labels]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def cross_validated(columns: np.ndarray, labels: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    """Held-out logits of a ridge logistic model, each block scored by a fit on the others."""
    out = np.zeros(len(labels))
    for block in np.unique(blocks):
        test = blocks == block
        mean, std = columns[~test].mean(0), columns[~test].std(0) + 1e-9
        x = (columns - mean) / std
        w, b = np.zeros(x.shape[1]), 0.0
        for _ in range(300):
            g = 1 / (1 + np.exp(-(x[~test] @ w + b))) - labels[~test]
            w -= 0.1 * (x[~test].T @ g + w) / len(g)
            b -= 0.1 * g.mean()
        out[test] = x[test] @ w + b
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/sweep"))
    args = parser.parse_args()
    embedder = load_embedder()
    rows = []
    for number, split in enumerate(SPLITS):
        retriever = index_of(split, SEED_FILES + split_files(split), args.work, embedder, reuse=True)
        scorer, adapter = retriever._scorer, retriever.adapter
        answerable, unanswerable = split_questions(split)
        for label, questions in ((1, answerable), (0, unanswerable)):
            for row in (r for r in questions if is_english(r["q"])):
                raw = embedder.embed_queries([row["q"]])
                moved = scorer.score(row["q"], QueryVector.of(adapter.apply(raw)))
                plain = scorer.score(row["q"], QueryVector.of(raw))
                dense = np.sort([s.dense for s in moved])[::-1]
                probability = max(s.probability for s in moved[:ANSWER_WINDOW])
                rows.append((number // 2, label, probability, float(np.linalg.norm(raw[0] @ adapter.matrix.T)),
                             dense[0] - max(s.dense for s in plain), dense[0] - dense[1], dense[0] - dense[:50].mean(),
                             dense[:10].std()))
    table = np.array(rows)
    blocks, labels = table[:, 0], table[:, 1] == 1
    logit = np.log(np.clip(table[:, 2], 1e-6, 1 - 1e-6) / np.clip(1 - table[:, 2], 1e-6, 1))
    alone = cross_validated(logit[:, None], labels.astype(float), blocks)
    print(f"{labels.sum()} answerable, {(~labels).sum()} unanswerable English questions")
    print("| signal | AUROC alone | with the shipped probability (CV) |\n|---|---|---|")
    print(f"| shipped probability | {auroc(table[:, 2], labels):.3f} | {auroc(alone, labels):.3f} (refitted alone) |")
    for column, name in enumerate(SIGNALS, start=3):
        both = cross_validated(np.column_stack([logit, table[:, column]]), labels.astype(float), blocks)
        print(f"| {name} | {auroc(table[:, column], labels):.3f} | {auroc(both, labels):.3f} |")


if __name__ == "__main__":
    main()
