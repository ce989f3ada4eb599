"""What a reader turned away is offered: the questions near theirs that the articles answer.

    python scripts/measure_suggestions.py [--split exam19] [--seed-set seed_exam2] [--work /tmp/suggestions]
                                          [--index DIR]

When the articles do not answer a question, the reply offers up to three of the articles' own
questions near it (``retrieval.readers.conversation.nearby_questions``), or, for a question near
nothing, the usual example questions. For each answerable question the engine turns away this counts
whether one click on an offered question shows the answer (the offered question, asked, is answered
with a passage containing a gold string), with the nearby offers and with the examples alone; for
the unanswerable questions, how many are offered nearby questions rather than the examples.

Each ``--split`` is asked on an index of ``seeds/`` plus its articles (built afresh in ``--work``, or
the one ``--index`` names); each ``--seed-set`` (``tests/data/NAME.jsonl`` with ``NAME_oos.jsonl``)
on an index of ``seeds/`` alone. Which sets are held out: tests/data/corpus/README.md, docs/measurements.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from corpus_sets import SEED_FILES, index_of, seed_sets, split_files, split_questions

from retrieval import Retriever
from retrieval.index.embedding import load_embedder
from retrieval.readers.conversation import answer, example_questions

EXAMPLES = 3  # as the page offers (web/page.py)


def clicks_through(retriever: Retriever, offered: tuple[str, ...], gold: list[str]) -> bool:
    """Whether asking one of ``offered`` shows a passage with a gold string first."""
    for question in offered:
        reply = answer(retriever, question, k=1)
        if reply.answered and reply.hits and any(g in reply.hits[0].text for g in gold):
            return True
    return False


def row(name: str, retriever: Retriever, answerable: list[dict], unanswerable: list[dict]) -> str:
    examples = tuple(example_questions(retriever, EXAMPLES))
    declined = nearby = via_nearby = via_examples = 0
    for question in answerable:
        found = answer(retriever, question["q"])
        if found.answered:
            continue
        declined += 1
        nearby += bool(found.suggestions)
        via_nearby += clicks_through(retriever, found.suggestions or examples, question["gold"])
        via_examples += clicks_through(retriever, examples, question["gold"])
    offered = sum(bool(answer(retriever, q["q"]).suggestions) for q in unanswerable)
    return (f"| {name} | {len(answerable)} | {declined} | {nearby} | {via_nearby} | {via_examples} "
            f"| {offered}/{len(unanswerable)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", action="append", default=[], help="a corpus split (repeatable)")
    parser.add_argument("--seed-set", action="append", default=[], help="a question set on the shipped article")
    parser.add_argument("--work", type=Path, default=Path("/tmp/suggestions"))
    parser.add_argument("--index", type=Path, help="with one --split: ask it on this index instead")
    args = parser.parse_args()
    embedder = load_embedder()
    print("| questions | answerable | turned away | offered nearby questions | one click shows the answer "
          "| ... with the examples alone | unanswerable offered nearby questions |")
    print("|---|---|---|---|---|---|---|")
    if args.seed_set:
        seed = index_of("seed", SEED_FILES, args.work, embedder)
        for name in args.seed_set:
            print(row(name, seed, *seed_sets(name)), flush=True)
    for split in args.split:
        retriever = (Retriever.load(args.index, embedder=embedder) if args.index
                     else index_of(split, SEED_FILES + split_files(split), args.work, embedder))
        print(row(split, retriever, *split_questions(split)), flush=True)


if __name__ == "__main__":
    main()
