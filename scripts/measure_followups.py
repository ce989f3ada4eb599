"""Does reading a follow-up after the previous question help? Recall@1/@5 and answered rate.

    python scripts/measure_followups.py [--index index] [tests/data/followups.jsonl]

Compares three ways of searching each follow-up: on its own, in context (the rule in
retrieval/readers/conversation.py), and always prefixed with the previous question. Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval import Retriever  # noqa: E402
from retrieval.readers.conversation import in_context, is_follow_up  # noqa: E402

DEPTH = 5


def rank(retriever: Retriever, query: str, gold: list[str]) -> tuple[int, bool]:
    result = retriever.search(query, k=DEPTH)
    found = next((i for i, hit in enumerate(result.hits, 1) if any(g in hit.text for g in gold)), 0)
    return found, result.answered


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="?", default="tests/data/followups.jsonl")
    parser.add_argument("--index", default="index")
    args = parser.parse_args()
    retriever = Retriever.load(Path(args.index))
    rows = [json.loads(line) for line in Path(args.cases).read_text(encoding="utf-8").splitlines() if line.strip()]
    ways = {
        "question alone": lambda r: r["q"],
        "in context (rule)": lambda r: in_context(r["q"], r["previous"]),
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
        print(f"| {row['previous']} | {row['q']} | {'yes' if is_follow_up(row['q']) else 'no'} "
              f"| {show(alone)} | {show(context)} |")


if __name__ == "__main__":
    main()
