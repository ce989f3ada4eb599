"""Abstention on one index of the whole series, with and without the English growth allowance.

    python scripts/series_abstention.py [--index DIR] [--ask exam7] [--ask exam4 ...] [--work /tmp/series]

Builds (or, with ``--index``, loads) one index of the shipped article and every corpus split's
articles, asks the ``--ask`` splits' questions (default: every held-out split, each on its own line),
and prints, for each, the declined share of unanswerable / answerable questions per language under:
- the shipped weights without the growth allowance (round 2's default);
- the shipped default (allowance held past the largest index it was set on);
- the allowance extrapolated along a straight line (3a, measured once and dropped).
Retrieval is the same under all three (the calibration only decides "not found").
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from compare_baseline import SPLITS, corpus_index, language  # noqa: E402

from retrieval import Retriever  # noqa: E402
from retrieval.search.evaluate import load_questions  # noqa: E402
from retrieval.search.ranking import ANSWER_WINDOW  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "corpus"
HELD_OUT = ["exam4", "exam5", "exam6", "exam7"]  # tests/data/corpus/README.md


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", help="an index of the whole series built before (else built in --work)")
    parser.add_argument("--ask", action="append", nargs="+", choices=SPLITS)
    parser.add_argument("--work", default="/tmp/series")
    args = parser.parse_args()
    retriever = Retriever.load(Path(args.index)) if args.index else corpus_index(SPLITS, Path(args.work))
    shipped = retriever.data.calibration
    variants = {"weights only (round 2)": dataclasses.replace(shipped, english_growth=0.0),
                "allowance held (shipped)": shipped,
                "allowance extrapolated (3a)": dataclasses.replace(shipped, growth_to=0.0)}
    print(f"{len(retriever.data.articles)} articles; declined share of unanswerable / answerable questions\n")
    print("| asked | variant | ja unanswerable | ja answerable | en unanswerable | en answerable |")
    print("|---|---|---|---|---|---|")
    for group in args.ask or [[split] for split in HELD_OUT]:
        rows = [(row, 1) for s in group for row in load_questions(CORPUS / f"{s}_questions.jsonl")]
        rows += [(row, 0) for s in group for row in load_questions(CORPUS / f"{s}_oos.jsonl", need_gold=False)]
        firsts = [(language(row["q"]), label, [s.features for s in retriever.features(row["q"])[:ANSWER_WINDOW]])
                  for row, label in rows]
        for name, calibration in variants.items():
            cells = []
            for lang in ("ja", "en"):
                for label in (0, 1):
                    asked = [f for lg, lb, f in firsts if lg == lang and lb == label]
                    declined = sum(not f or float(calibration.probability(f).max()) < calibration.threshold
                                   for f in asked)
                    cells.append(f"{declined}/{len(asked)} ({declined / max(1, len(asked)):.2f})")
            print(f"| {'+'.join(group)} | {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
