"""Round 14: the default calibration fitted on eight more question writers (exam10-17), both languages or English only.

    python scripts/round14_writers.py [--work /tmp/round14] [--reuse]

Every question's first hits are computed once, on the index the calibration meets it on (the shipped
article alone for the shipped article's sets, the shipped article with a split's articles for a split).
Then, as ``search()`` decides (one of the first hits reaching 0.5):

- round 8's fit: the two models of ``scripts/fit_default_calibration.py`` (:func:`retrieval.search.evaluate.
  fit_models`) on the questions it had until round 14 (the shipped article's dev, extra and seed_en_oos; the
  splits tune ... exam9);
- the try: the same on exam10 ... exam17's questions too;
- the eight writers for English only: the same, but exam10 ... exam17's questions fit only the English model
  (the Japanese one is round 8's).

The size allowances (:func:`retrieval.index.calibration.growth_allowance`, fitted on 26-52 articles) are left
out of all three: they act past the largest index fitted on, which some of the splits' own indexes exceed a
little, so these figures differ from the calibration files' by up to five questions.

Judged on what none of them was fitted on: the shipped article's other tuning-side sets (fresh, seed_exam,
seed_short); exam10 ... exam17, each judged by the try fitted without it (round 8's fit never saw them);
and the held-out sets (seed_exam2 ... seed_exam6 on the shipped article, exam18 ... exam22 on their own
indexes). Aggregates only: turned away (answerable questions answered "not found") and declined
(unanswerable ones) per language. ``--reuse`` loads the indexes a previous run left in ``--work``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
from corpus_sets import SEED_FILES, index_of, seed_questions, seed_sets, split_files, split_questions

from retrieval import Retriever
from retrieval.search.evaluate import first_hits, fit_models
from retrieval.search.ranking import is_english

FITTED = ("tune", "test", "holdout", "exam", "exam2", "exam3", "exam4", "exam5", "exam6", "exam7", "exam8", "exam9")
WRITERS = ("exam10", "exam11", "exam12", "exam13", "exam14", "exam15", "exam16", "exam17")
SEED_TUNING = ("fresh", "seed_exam", "seed_short")
SEED_HELD_OUT = ("seed_exam2", "seed_exam3", "seed_exam4", "seed_exam5", "seed_exam6")
HELD_OUT = ("exam18", "exam19", "exam20", "exam21", "exam22")
Row = tuple[np.ndarray, int, bool]  # (first hits' signals, answerable?, English?)
Judge = Callable[[np.ndarray, bool], bool]  # (first hits' signals, English?) -> declined?


def rows_of(retriever: Retriever, answerable: list[dict], unanswerable: list[dict]) -> list[Row]:
    return [(hits, label, is_english(row["q"]))
            for label, rows in ((1, answerable), (0, unanswerable)) for row in rows
            if (hits := first_hits(retriever, row["q"])) is not None]


def fitted(rows: list[Row], japanese_too: list[bool] | None = None) -> Judge:
    japanese, english, own, _ = fit_models([f for f, _, _ in rows], np.array([label for _, label, _ in rows], float),
                                           japanese_too=None if japanese_too is None else np.array(japanese_too))

    def declines(features: np.ndarray, is_english: bool) -> bool:
        bias, weights = english if (is_english and own) else japanese
        return float((features @ weights).max() + bias) < 0
    return declines


def cells(judge_for: Callable[[str], Judge], groups: dict[str, list[Row]]) -> str:
    """Turned away and declined per language over ``groups``, each judged by ``judge_for(name)``."""
    counts = {(lang, label): [0, 0] for lang in ("ja", "en") for label in (1, 0)}
    for name, rows in groups.items():
        declines = judge_for(name)
        for features, label, english in rows:
            cell = counts[("en" if english else "ja", label)]
            cell[0] += declines(features, english)
            cell[1] += 1
    return " | ".join(f"{counts[key][0]}/{counts[key][1]}" for key in counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/round14")
    parser.add_argument("--reuse", action="store_true", help="load the indexes a previous run left in --work")
    args = parser.parse_args()
    work = Path(args.work)

    def index(name: str, files: list[Path]) -> Retriever:
        return index_of(name, files, work, reuse=args.reuse)

    def seed_set(name: str) -> list[Row]:
        return rows_of(seed, *seed_sets(name))

    seed = index("seed", SEED_FILES)
    fitted_seed = rows_of(seed, *seed_questions())
    splits = {split: rows_of(index(split, SEED_FILES + split_files(split)), *split_questions(split))
              for split in FITTED + WRITERS + HELD_OUT}
    base = fitted_seed + [r for s in FITTED for r in splits[s]]  # round 8's fit's questions

    def writers(left_out: str = "") -> list[Row]:
        return [r for s in WRITERS if s != left_out for r in splits[s]]

    def english_only(left_out: str = "") -> Judge:  # the eight writers' questions fit the English model only
        more = writers(left_out)
        return fitted(base + more, [True] * len(base) + [False] * len(more))
    before = fitted(base)
    after = fitted(base + writers())
    without = {held: fitted(base + writers(held)) for held in WRITERS}
    english = english_only()
    english_without = {held: english_only(held) for held in WRITERS}
    print("| judged on | calibration | ja turned away | ja declined | en turned away | en declined |")
    print("|---|---|---|---|---|---|")
    table = [
        ("exam10 ... exam17 (held out; own indexes)", {s: splits[s] for s in WRITERS}, without.get),
        ("fresh, seed_exam, seed_short (the shipped article)", {s: seed_set(s) for s in SEED_TUNING}, None),
        ("the dev set (the shipped article; fitted on by all three)", {"dev": seed_set("dev")}, None),
        ("seed_exam2 ... seed_exam6 (held out; the shipped article)", {s: seed_set(s) for s in SEED_HELD_OUT}, None),
        ("exam18 ... exam22 (held out; own indexes)", {s: splits[s] for s in HELD_OUT}, None),
    ]
    for label, groups, left_out in table:
        print(f"| {label} | round 8's fit | {cells(lambda _: before, groups)} |")
        print(f"| | the try{', the split left out' if left_out else ''} | "
              f"{cells(left_out or (lambda _: after), groups)} |")
        print(f"| | the eight writers for English only{', the split left out' if left_out else ''} | "
              f"{cells(english_without.get if left_out else (lambda _: english), groups)} |")


if __name__ == "__main__":
    main()
