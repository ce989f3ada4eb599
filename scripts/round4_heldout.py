"""The article score on and off, on one index of the whole series, held-out writers' questions.

    python scripts/round4_heldout.py [--index DIR] [--work /tmp/series]

Builds (or, with ``--index``, loads) one index of the shipped article and every corpus split's
articles and asks the held-out splits' questions (exam9, exam8, exam4-7 together) with
``ranking.ARTICLE_WEIGHT`` at 0 (off) and as shipped: R@1 / R@5 / MRR and the answerable questions
declined, per language (docs/measurements.md, round 4). Aggregates only: nothing here is tuned.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from compare_baseline import SPLITS, corpus_index, language
from corpus_sets import split_questions

from retrieval import Retriever
from retrieval.search import ranking
from retrieval.search.evaluate import evaluate

GROUPS = [["exam9"], ["exam8"], ["exam4", "exam5", "exam6", "exam7"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", help="an index of the whole series built before (else built in --work)")
    parser.add_argument("--work", default="/tmp/series")
    args = parser.parse_args()
    retriever = Retriever.load(Path(args.index)) if args.index else corpus_index(SPLITS, Path(args.work))
    shipped = ranking.ARTICLE_WEIGHT
    print(f"{len(retriever.data.articles)} articles\n")
    print("| asked | article score | ja R@1 / R@5 / MRR | en R@1 / R@5 / MRR | wrongly declined ja / en |")
    print("|---|---|---|---|---|")
    for group in GROUPS:
        questions = [row for split in group for row in split_questions(split)[0]]
        for weight in (0.0, shipped):
            ranking.ARTICLE_WEIGHT = weight
            cells, wrongly = [], []
            for lang in ("ja", "en"):
                asked = [row for row in questions if language(row["q"]) == lang]
                report = evaluate(retriever, asked)
                cells.append(f"{report.recall_at_1:.3f} / {report.recall_at_5:.3f} / {report.mrr:.3f}")
                wrongly.append(f"{round(report.wrongly_abstained * len(asked))}/{len(asked)}")
            name = "off" if weight == 0 else f"**on** ({weight})"
            print(f"| {'+'.join(group)} | {name} | {cells[0]} | {cells[1]} | {' / '.join(wrongly)} |", flush=True)
    ranking.ARTICLE_WEIGHT = shipped


if __name__ == "__main__":
    main()
