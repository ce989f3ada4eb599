"""Round 22's tuning-side table: English R@1 / R@5 / MRR at several weights of an English question's BM25 over the
passages' English glosses (``ranking.ENGLISH_LEXICAL_WEIGHT``), on the questions the question map has not seen (the
shipped article's seed sets; exam10 ... exam25, each on its own index; exam10 ... exam18 on the 88-article series)
and on its fitting data (tune ... exam9, own indexes and the series).

    python docs/tries/round22_english_lexical_weight.py --work /tmp/round22 [--weights 0.02,0.04] [--no-series]

Builds every index afresh in --work (about 15 minutes with the series; the series alone about 4).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from corpus_sets import DATA, SEED_FILES, index_of, split_files, split_questions  # noqa: E402

from retrieval.index.embedding import load_embedder  # noqa: E402
from retrieval.search import ranking  # noqa: E402
from retrieval.search.evaluate import evaluate, load_questions  # noqa: E402
from retrieval.search.ranking import is_english  # noqa: E402

TUNING = ["tune", "test", "holdout", "exam", *(f"exam{i}" for i in range(2, 10))]  # the map's fitting data
MEASURED = [f"exam{i}" for i in range(10, 26)]
SEED_SETS = ["seed_exam", *(f"seed_exam{i}" for i in range(2, 12)), "seed_short", "dev", "extra", "fresh"]


def english(rows: list[dict]) -> list[dict]:
    return [row for row in rows if is_english(row["q"])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/round22"))
    parser.add_argument("--weights", default="0,0.02,0.04,0.06,0.1")
    parser.add_argument("--no-series", action="store_true", help="skip the 88-article rows")
    args = parser.parse_args()
    embedder = load_embedder()
    seed = [row for name in SEED_SETS for row in load_questions(DATA / f"{name}.jsonl")]
    groups = {
        "the shipped article's seed sets": [(index_of("seed", SEED_FILES, args.work, embedder), english(seed))],
        "exam10 ... exam25, own indexes": [
            (index_of(s, SEED_FILES + split_files(s), args.work, embedder), english(split_questions(s)[0]))
            for s in MEASURED],
        "tune ... exam9, own indexes (map-fitted)": [
            (index_of(s, SEED_FILES + split_files(s), args.work, embedder), english(split_questions(s)[0]))
            for s in TUNING],
    }
    if not args.no_series:
        series = index_of("series", SEED_FILES + split_files(*TUNING, *MEASURED[:9]), args.work, embedder)
        groups["exam10 ... exam18, 88 articles"] = [
            (series, english([q for s in MEASURED[:9] for q in split_questions(s)[0]]))]
        groups["tune ... exam9, 88 articles (map-fitted)"] = [
            (series, english([q for s in TUNING for q in split_questions(s)[0]]))]
    weights = [float(w) for w in args.weights.split(",")]
    print("| English questions | n | " + " | ".join(f"{w}: R@1 / R@5 / MRR" for w in weights) + " |")
    print("|---|---|" + "---|" * len(weights))
    for name, items in groups.items():
        cells, n = [], sum(len(qs) for _, qs in items)
        for weight in weights:
            ranking.ENGLISH_LEXICAL_WEIGHT = weight
            r1 = r5 = mrr = 0.0
            for retriever, questions in items:
                report = evaluate(retriever, questions)
                r1 += report.recall_at_1 * len(questions)
                r5 += report.recall_at_5 * len(questions)
                mrr += report.mrr * len(questions)
            cells.append(f"{r1 / n:.3f} / {r5 / n:.3f} / {mrr / n:.3f}")
        print(f"| {name} | {n} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
