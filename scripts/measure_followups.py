"""Does reading a follow-up after the previous question help? Recall@1/@5 and answered rate.

    python scripts/measure_followups.py [--index index] [tests/data/followups.jsonl]
    python scripts/measure_followups.py [--index index] --pairs tests/data/followups_tune.jsonl [...]

Compares three ways of searching each follow-up: on its own, in context (the rule in
retrieval/readers/conversation.py), and always prefixed with the previous question. Prints Markdown.

``--pairs``: sets of (previous, q) pairs in which ``q`` is either a follow-up (``"follow_up": true``) or a
new question that stands alone; ``gold`` is empty when the article does not answer ``q``. Each pair is
asked as the chat page asks it (``answer(retriever, q, previous)``) and only aggregates are printed (a
held-out set's cases must not be read): how often each kind is read as a follow-up, Recall@1/@5 of
those the article answers, and how many of those it does not answer get "not found".
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval import Retriever  # noqa: E402
from retrieval.readers.conversation import answer, in_context, is_follow_up  # noqa: E402
from retrieval.search.evaluate import gold_rank  # noqa: E402

DEPTH = 5


def rank(retriever: Retriever, query: str, gold: list[str]) -> tuple[int, bool]:
    result = retriever.search(query, k=DEPTH)
    return gold_rank((hit.text for hit in result.hits), gold), result.answered


def pairs_table(retriever: Retriever, files: list[str]) -> None:
    """One row per set and kind of question (follow-up / new), aggregates only."""
    print("| set | kind | pairs | read as follow-up | answerable: R@1 | R@5 | wrongly \"not found\" "
          "| unanswerable \"not found\" |\n|---|---|---|---|---|---|---|---|")
    for name in files:
        rows = [json.loads(line) for line in Path(name).read_text(encoding="utf-8").splitlines() if line.strip()]
        for kind in (True, False):
            asked = [row for row in rows if bool(row["follow_up"]) == kind]
            read, ranks, unanswered = 0, [], []
            for row in asked:
                reply = answer(retriever, row["q"], row["previous"], k=DEPTH)
                read += reply.searched != row["q"].strip()
                if row["gold"]:
                    ranks.append((gold_rank((hit.text for hit in reply.hits), row["gold"]), reply.answered))
                else:
                    unanswered.append(not reply.answered)
            n = len(ranks)
            label = "follow-up" if kind else "new question"
            print(f"| {Path(name).stem} | {label} | {len(asked)} | {read}/{len(asked)} "
                  f"| {sum(r == 1 for r, _ in ranks)}/{n} | {sum(1 <= r <= DEPTH for r, _ in ranks)}/{n} "
                  f"| {sum(not a for _, a in ranks)}/{n} | {sum(unanswered)}/{len(unanswered)} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="?", default="tests/data/followups.jsonl")
    parser.add_argument("--index", default="index")
    parser.add_argument("--pairs", nargs="+", help="sets of previous/q pairs with follow_up true or false")
    args = parser.parse_args()
    retriever = Retriever.load(Path(args.index))
    if args.pairs:
        pairs_table(retriever, args.pairs)
        return
    rows = [json.loads(line) for line in Path(args.cases).read_text(encoding="utf-8").splitlines() if line.strip()]
    ways = {
        "question alone": lambda r: r["q"],
        "in context (rule)": lambda r: in_context(r["q"], r["previous"], retriever.mentions),
        "always previous + question": lambda r: f'{r["previous"]} {r["q"]}',
    }
    results = {name: [rank(retriever, way(r), r["gold"]) for r in rows] for name, way in ways.items()}
    print(f"{len(rows)} cases, embedder {retriever.embedder.name}\n")
    print("| search | Recall@1 | Recall@5 | answered (not \"not found\") |\n|---|---|---|---|")
    for name, ranks in results.items():
        n = len(ranks)
        print(f"| {name} | {sum(r == 1 for r, _ in ranks)}/{n} | {sum(1 <= r <= DEPTH for r, _ in ranks)}/{n} "
              f"| {sum(a for _, a in ranks)}/{n} |")
    print("\n| previous | follow-up | read as follow-up | rank alone | rank in context |\n|---|---|---|---|---|")
    for row, alone, context in zip(rows, results["question alone"], results["in context (rule)"], strict=True):
        show = lambda item: f"{item[0] or '>5'}{'' if item[1] else ' (not found)'}"  # noqa: E731
        print(f"| {row['previous']} | {row['q']} | {'yes' if is_follow_up(row['q'], retriever.mentions) else 'no'} "
              f"| {show(alone)} | {show(context)} |")


if __name__ == "__main__":
    main()
