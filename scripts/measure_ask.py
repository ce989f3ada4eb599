"""How much a ranking weight should weigh (``ranking.ASK_SHARE`` or another); tuning side only.

    python scripts/measure_ask.py [--shares 0,0.2,0.3,0.4] [--work /tmp/ask-indexes] [--reuse]
    python scripts/measure_ask.py --index DIR [--shares 0,0.3] [--english]
    python scripts/measure_ask.py --weight ARTICLE_WORDS_WEIGHT --shares 0,0.05 [--index DIR]

Builds an index of each tuning-side split (the shipped article plus the split's articles) and one of the
shipped article alone, then asks every tuning-side question through ``Retriever.search`` at each share
(0: the question's own vector only, as before round 12) and prints, per language and by whether the question
has a last part (``ranking.the_ask``): Recall@1, Recall@5, MRR, answerable questions wrongly "not found" and
unanswerable ones declined. Held-out splits and sets (tests/data/corpus/README.md) are never asked here.
``--reuse`` takes the indexes a previous run left in ``--work``. ``--index``: ask every tuning-side split's
questions on that one index instead (e.g. the series of 88 articles built by ``compare_baseline.py --together``).
``--english``: give English questions a last part too (their last sentence), as round 12 first did.
``--weight``: the ``ranking`` constant the values are given to (default ``ASK_SHARE``; round 13 measured
``ARTICLE_WORDS_WEIGHT``, the share of the question's words each article contains).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import numpy as np
from corpus_sets import SEED_FILES, index_of, seed_sets, split_files, split_questions

import retrieval.search.ranking as ranking
import retrieval.search.retriever as retriever_module
from retrieval import Retriever
from retrieval.search.evaluate import gold_rank

SPLITS = ("tune", "test", "holdout", "exam", "exam2", "exam3", "exam4", "exam5", "exam6", "exam7", "exam8", "exam9")
SEED_SETS = ("dev", "extra", "fresh", "seed_exam", "seed_short")


def questions() -> dict[str, tuple[list[dict], list[dict]]]:
    """(answerable, unanswerable) per index name: the shipped article's tuning sets, and each split."""
    return {"seed": seed_sets(*SEED_SETS), **{split: split_questions(split) for split in SPLITS}}


def index(name: str, work: Path, reuse: bool) -> Retriever:
    return index_of(name, SEED_FILES + (split_files(name) if name != "seed" else []), work, reuse=reuse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shares", default="0,0.2,0.3,0.4")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ask-indexes"))
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--index", type=Path, help="one index to ask every split's questions on")
    parser.add_argument("--english", action="store_true", help="English questions' last sentence too")
    parser.add_argument("--weight", default="ASK_SHARE", help="the ranking constant to vary")
    args = parser.parse_args()
    if not isinstance(getattr(ranking, args.weight, None), float):
        parser.error(f"ranking has no weight named {args.weight}")
    if args.english:
        ranking.the_ask = retriever_module.the_ask = english_too(ranking.the_ask)
    shares = [float(share) for share in args.shares.split(",")]
    ranks, turned_away, declined = defaultdict(list), defaultdict(list), defaultdict(list)
    asked = questions()
    if args.index:
        asked = {"series": ([row for split in SPLITS for row in asked[split][0]],
                            [row for split in SPLITS for row in asked[split][1]])}
        one = Retriever.load(args.index)
    for name, (answerable, unanswerable) in asked.items():
        retriever = one if args.index else index(name, args.work, args.reuse)
        for share in shares:
            setattr(ranking, args.weight, share)
            for row in answerable:
                result = retriever.search(row["q"], k=10)
                key = group(name, row["q"], share)
                ranks[key].append(gold_rank((hit.text for hit in result.hits), row["gold"]))
                turned_away[key].append(not result.answered)
            for row in unanswerable:
                declined[group(name, row["q"], share)].append(not retriever.search(row["q"], k=3).answered)
    print(f"| index | language | last part | {args.weight} | answerable | R@1 | R@5 | MRR | wrongly \"not found\" "
          "| unanswerable | declined |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for key in sorted(ranks.keys() | declined.keys()):
        r = np.array(ranks[key])
        figures = (f"{np.mean(r == 1):.3f} | {np.mean((r >= 1) & (r <= 5)):.3f} | "
                   f"{np.mean(np.where(r > 0, 1 / np.maximum(r, 1), 0)):.3f} | {np.mean(turned_away[key]):.3f}"
                   if len(r) else "- | - | - | -")
        print(f"| {' | '.join(key[:3])} | {key[3]:g} | {len(r)} | {figures} | {len(declined[key])} | "
              f"{np.mean(declined[key]) if declined[key] else float('nan'):.3f} |")


def english_too(the_ask):
    """``the_ask`` that also gives an English question of two or more sentences its last one."""
    def either(question: str) -> str | None:
        if ranking.english_share(question) <= 0.5:
            return the_ask(question)
        parts = [part for part in ranking.ASK_SENTENCES.split(question.strip()) if len(part.strip()) >= 6]
        return parts[-1].strip() if len(parts) >= 2 else None
    return either


def group(name: str, question: str, share: float) -> tuple[str, str, str, float]:
    english = ranking.is_english(question)
    place = {"seed": "the shipped article", "series": "one index (--index)"}.get(name, "each split's own")
    return (place, "en" if english else "ja",
            "yes" if ranking.the_ask(question) else "no", share)


if __name__ == "__main__":
    main()
