"""When is an answer "ambiguous", and does opening the other answers then help the reader?

    python scripts/measure_ambiguity.py [--seed-set seed_exam4] [--split exam9] [--work /tmp/ambiguity]

An answer is ambiguous when the second passage's dense score comes within ``CLOSE_GAP`` of the first's
(``SearchResult.ambiguous``); the page and the widget then show the next answers open instead of
collapsed. Over the answerable questions the engine answers, this counts how many are ambiguous, and
among those how many have the right passage (one with a gold string) second or third rather than first
(shown open: helped) or first (more to read); and how many answers with a wrong first passage are not
ambiguous (the others stay collapsed). Only aggregates are printed.

Each ``--seed-set`` (``tests/data/NAME.jsonl``) is asked on an index of ``seeds/`` alone, each ``--split``
on ``seeds/`` plus its articles (built afresh in ``--work``). Which sets are held out: docs/measurements.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from corpus_sets import DATA, SEED_FILES, index_of, split_files, split_questions

from retrieval import Retriever
from retrieval.search.evaluate import load_questions


def counts(retriever: Retriever, questions: list[dict]) -> tuple[int, int, int, int, int]:
    """(answered, ambiguous, ambiguous with the right passage 2nd/3rd, ambiguous with it first,
    wrong first passage and not ambiguous)."""
    answered = ambiguous = helped = first = missed = 0
    for row in questions:
        result = retriever.search(row["q"], k=3)
        if not result.answered:
            continue
        answered += 1
        right = [any(g in hit.text for g in row["gold"]) for hit in result.hits]
        if result.ambiguous:
            ambiguous += 1
            first += right[0]
            helped += not right[0] and any(right[1:])
        else:
            missed += not right[0]
    return answered, ambiguous, helped, first, missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-set", action="append", default=[])
    parser.add_argument("--split", action="append", default=[])
    parser.add_argument("--work", default="/tmp/ambiguity")
    args = parser.parse_args()
    work = Path(args.work)
    print("| questions | answered | ambiguous (others shown open) | ... right passage 2nd or 3rd | ... right passage "
          "first | wrong first passage, not ambiguous |")
    print("|---|---|---|---|---|---|")
    if args.seed_set:
        seed = index_of("seed", SEED_FILES, work)
        for name in args.seed_set:
            row = counts(seed, load_questions(DATA / f"{name}.jsonl"))
            print(f"| {name} | " + " | ".join(map(str, row)) + " |")
    for split in args.split:
        retriever = index_of(split, SEED_FILES + split_files(split), work)
        row = counts(retriever, split_questions(split)[0])
        print(f"| {split} | " + " | ".join(map(str, row)) + " |")


if __name__ == "__main__":
    main()
