"""The shipped article's question sets, per language, as docs/measurements.md tabulates them.

    python scripts/measure_seed_sets.py [--set seed_exam4] [--set seed_short] [--work /tmp/seed-sets]
    python scripts/measure_seed_sets.py --set dev --set extra ... --thresholds 0.5,0.4,0.3

Each ``--set`` (``tests/data/NAME.jsonl`` with ``NAME_oos.jsonl``) is asked on a fresh index of
``seeds/`` alone, as the app ships; printed as one markdown row per language and one for both: Recall@1,
Recall@5, MRR, answerable questions wrongly answered "not found", unanswerable ones declined. Only
aggregates are printed (a held-out set's misses must not be read). Which sets are held out:
docs/measurements.md. ``--thresholds``: also what another "not found" threshold would do on one article, the
sets pooled per language (answerable turned away, unanswerable declined; for tuning-side sets only).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from corpus_sets import SEED_FILES, index_of, seed_sets

from retrieval import is_english
from retrieval.search.evaluate import evaluate
from retrieval.search.ranking import ANSWER_WINDOW


def language(row: dict) -> str:
    return "en" if is_english(row["q"]) else "ja"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", dest="sets", help="default: seed_exam4")
    parser.add_argument("--work", default="/tmp/seed-sets")
    parser.add_argument("--thresholds", help="e.g. 0.5,0.4,0.3: what each would turn away and decline")
    args = parser.parse_args()
    sets = args.sets or ["seed_exam4"]
    retriever = index_of("seed", SEED_FILES, Path(args.work))
    print("| set | language | R@1 | R@5 | MRR | answerable wrongly \"not found\" | unanswerable \"not found\" |")
    print("|---|---|---|---|---|---|---|")
    for name in sets:
        questions, unanswerable = seed_sets(name)
        for lang in ("ja", "en", None):
            asked = [row for row in questions if lang in (None, language(row))]
            others = [row for row in unanswerable if lang in (None, language(row))]
            report = evaluate(retriever, asked, others)
            wrongly = round(report.wrongly_abstained * report.questions)
            declined = round(report.abstained * report.unanswerable)
            print(f"| {name} | {lang or 'both'} | {report.recall_at_1:.3f} | {report.recall_at_5:.3f} | "
                  f"{report.mrr:.3f} | {wrongly}/{report.questions} | {declined}/{report.unanswerable} |")
    if args.thresholds:
        thresholds(retriever, sets, [float(t) for t in args.thresholds.split(",")])


def thresholds(retriever, sets: list[str], cuts: list[float]) -> None:
    """Pooled over ``sets`` per language: answerable questions turned away and unanswerable ones declined,
    were the threshold each of ``cuts`` (a question is answered when one of its first hits reaches it)."""
    best = {}  # (language, answerable?) -> the best probability among each question's first hits
    for name in sets:
        for answerable, rows in zip((True, False), seed_sets(name), strict=True):
            for row in rows:
                first = retriever.features(row["q"])[:ANSWER_WINDOW]
                best.setdefault((language(row), answerable), []).append(max((s.probability for s in first),
                                                                            default=0.0))
    print(f"\n| {'+'.join(sets)}, pooled | " + " | ".join(f"threshold {t:g}" for t in cuts) + " |")
    print("|---|" + "---|" * len(cuts))
    for lang in ("ja", "en"):
        answerable, unanswerable = np.array(best[(lang, True)]), np.array(best[(lang, False)])
        print(f"| {lang}: turned away / declined | " + " | ".join(
            f"{np.sum(answerable < t)}/{len(answerable)}, {np.sum(unanswerable < t)}/{len(unanswerable)}"
            for t in cuts) + " |")


if __name__ == "__main__":
    main()
