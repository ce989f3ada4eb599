"""Abstention on one index of the whole series, with and without the size allowances.

    python scripts/series_abstention.py [--index DIR] [--ask exam7] [--ask exam4 ...] [--work /tmp/series]

Builds (or, with ``--index``, loads) one index of the shipped article and every corpus split's
articles, asks the ``--ask`` splits' questions (default: every held-out split, each on its own line),
and prints, for each, the declined share of unanswerable / answerable questions per language under:
- the shipped weights without any size allowance (round 2's default);
- the shipped weights with the English allowance only (round 5's way);
- the shipped default (each language's allowance, held past the largest index it was set on);
- the allowances extrapolated along a straight line (3a, measured once and dropped).
Retrieval is the same under all four (the calibration only decides "not found").
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from compare_baseline import corpus_index, language
from corpus_sets import HELD_OUT_SPLITS as HELD_OUT
from corpus_sets import SPLITS, split_questions

from retrieval import Retriever
from retrieval.search.evaluate import first_hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", help="an index of the whole series built before (else built in --work)")
    parser.add_argument("--ask", action="append", nargs="+", choices=SPLITS)
    parser.add_argument("--work", default="/tmp/series")
    args = parser.parse_args()
    retriever = Retriever.load(Path(args.index)) if args.index else corpus_index(SPLITS, Path(args.work))
    shipped = retriever.data.calibration
    variants = {"weights only (round 2)": dataclasses.replace(shipped, english_growth=0.0, japanese_growth=0.0),
                "English allowance only (round 5)": dataclasses.replace(shipped, japanese_growth=0.0),
                "allowances held (shipped)": shipped,
                "allowances extrapolated (3a)": dataclasses.replace(shipped, growth_to=0.0)}
    print(f"{len(retriever.data.articles)} articles; declined share of unanswerable / answerable questions\n")
    print("| asked | variant | ja unanswerable | ja answerable | en unanswerable | en answerable |")
    print("|---|---|---|---|---|---|")
    for group in args.ask or [[split] for split in HELD_OUT]:
        sets = [split_questions(s) for s in group]
        rows = [(row, label) for pair in sets for label, part in ((1, pair[0]), (0, pair[1])) for row in part]
        firsts = [(language(row["q"]), label, first_hits(retriever, row["q"])) for row, label in rows]
        for name, calibration in variants.items():
            cells = []
            for lang in ("ja", "en"):
                for label in (0, 1):
                    asked = [f for lg, lb, f in firsts if lg == lang and lb == label]
                    declined = sum(f is None or float(calibration.probability(f).max()) < calibration.threshold
                                   for f in asked)
                    cells.append(f"{declined}/{len(asked)} ({declined / max(1, len(asked)):.2f})")
            print(f"| {'+'.join(group)} | {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
