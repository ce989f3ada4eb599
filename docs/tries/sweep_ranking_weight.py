"""A ranking weight's tuning-side table: R@1 / R@5 / MRR of one language's answerable questions at several values of
a ``ranking`` constant, on the shipped article's seed sets, on the measured corpus splits (each on its own index),
on tune ... exam9 (the English question map's fitting data) and on the 88-article series.

    python docs/tries/sweep_ranking_weight.py --work /tmp/sweep [--weights 0.02,0.04] [--no-series]
        round 22's table (English, ``ENGLISH_LEXICAL_WEIGHT``; sets measured before round 22)
    python docs/tries/sweep_ranking_weight.py --round 23 --language ja --weight LEXICAL_WEIGHT --weights 0.05,0.08
        round 23's (Japanese; every set measured before round 23: seed sets to seed_exam13, exam10 ... exam28)

Builds every index afresh in --work (about 15 minutes with the series; the series alone about 4); ``--reuse`` loads
the ones a previous run left there (the ranking weights are read at search time). ``--set NAME=VALUE`` holds another
ranking constant at VALUE throughout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from corpus_sets import DATA, SEED_FILES, split_files, split_questions  # noqa: E402
from corpus_sets import index_of as built  # noqa: E402

from retrieval import Retriever  # noqa: E402
from retrieval.index.embedding import load_embedder  # noqa: E402
from retrieval.search import ranking  # noqa: E402
from retrieval.search.evaluate import evaluate, load_questions  # noqa: E402
from retrieval.search.ranking import is_english  # noqa: E402

TUNING = ["tune", "test", "holdout", "exam", *(f"exam{i}" for i in range(2, 10))]  # the map's fitting data
# What had been measured before each round: (corpus splits, the shipped article's seed sets).
MEASURED = {
    22: ([f"exam{i}" for i in range(10, 26)],
         ["seed_exam", *(f"seed_exam{i}" for i in range(2, 12)), "seed_short", "dev", "extra", "fresh"]),
    23: ([f"exam{i}" for i in range(10, 29)],
         ["seed_exam", *(f"seed_exam{i}" for i in range(2, 14)), "seed_short", "dev", "extra", "fresh"]),
}
SERIES = [f"exam{i}" for i in range(10, 19)]  # asked on the 88-article series (the shipped article, tune ... exam18)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/sweep"))
    parser.add_argument("--round", type=int, choices=sorted(MEASURED), default=22)
    parser.add_argument("--language", choices=("en", "ja"), default="en")
    parser.add_argument("--weight", default="ENGLISH_LEXICAL_WEIGHT", help="the ranking constant to vary")
    parser.add_argument("--weights", default="0,0.02,0.04,0.06,0.1")
    parser.add_argument("--no-series", action="store_true", help="skip the 88-article rows")
    parser.add_argument("--reuse", action="store_true", help="load the indexes a previous run left in --work")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="hold a constant")
    args = parser.parse_args()
    for name in [args.weight, *(held.split("=")[0] for held in args.set)]:
        if not isinstance(getattr(ranking, name, None), float):
            parser.error(f"ranking has no weight named {name}")
    for held in args.set:
        name, value = held.split("=")
        setattr(ranking, name, float(value))

    def asked(rows: list[dict]) -> list[dict]:
        return [row for row in rows if is_english(row["q"]) == (args.language == "en")]

    splits, seed_sets = MEASURED[args.round]
    embedder = load_embedder()

    def index_of(name: str, files: list[Path]) -> Retriever:
        return built(name, files, args.work, embedder, reuse=args.reuse)

    seed = [row for name in seed_sets for row in load_questions(DATA / f"{name}.jsonl")]
    own = {s: index_of(s, SEED_FILES + split_files(s)) for s in TUNING + splits}
    groups = {
        "the shipped article's seed sets": [(index_of("seed", SEED_FILES), asked(seed))],
        f"exam10 ... {splits[-1]}, own indexes": [(own[s], asked(split_questions(s)[0])) for s in splits],
        "tune ... exam9, own indexes (map-fitted)": [(own[s], asked(split_questions(s)[0])) for s in TUNING],
    }
    if not args.no_series:
        series = index_of("series", SEED_FILES + split_files(*TUNING, *SERIES))
        groups["exam10 ... exam18, 88 articles"] = [(series, asked([q for s in SERIES for q in split_questions(s)[0]]))]
        groups["tune ... exam9, 88 articles (map-fitted)"] = [
            (series, asked([q for s in TUNING for q in split_questions(s)[0]]))]
    weights = [float(w) for w in args.weights.split(",")]
    print(f"| {args.language} questions, {args.weight} | n | "
          + " | ".join(f"{w}: R@1 / R@5 / MRR" for w in weights) + " |")
    print("|---|---|" + "---|" * len(weights))
    for name, items in groups.items():
        cells, n = [], sum(len(qs) for _, qs in items)
        for weight in weights:
            setattr(ranking, args.weight, weight)
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
