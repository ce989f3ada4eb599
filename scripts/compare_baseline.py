"""The pipeline against the naive baseline, side by side, on the multi-article corpus splits.

    python scripts/compare_baseline.py [--split test] [--split tune] [--work /tmp/corpus-indexes]

For each split an index of ``seeds/`` plus the split's articles (tests/data/corpus/SPLIT/) is built
with the bundled model, afresh in ``--work``. Then:
- pipeline: ``Retriever.search`` as the app runs it (ranking, narration rule, calibrated abstention);
- baseline "answer once": each exchange's answer embedded once, cosine only, narration left out;
- baseline "exchange once": the interviewer's question + answer embedded once, cosine only.
Printed as markdown tables (Recall@1, Recall@5, MRR per language; abstention for the pipeline).
The exam3 split is held out: nothing was tuned on it (tests/data/corpus/README.md).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval import Retriever, load_seeds  # noqa: E402
from retrieval.search.evaluate import load_questions  # noqa: E402
from retrieval.search.ranking import english_share  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "corpus"
SPLITS = ["tune", "test", "holdout", "exam", "exam2", "exam3"]  # tests/data/corpus/README.md says which is which


def corpus_index(split: str, work: Path) -> Retriever:
    """Seeds plus the split's articles, built afresh (a reused index would keep an old calibration)."""
    seeds = work / f"{split}-seeds"
    index = work / f"{split}-index"
    shutil.rmtree(seeds, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    seeds.mkdir(parents=True)
    folder = CORPUS / split
    for path in [*ROOT.glob("seeds/*"), *folder.glob("*.txt"), *folder.glob("*.json")]:
        shutil.copy(path, seeds / path.name)
    return Retriever.build(load_seeds(seeds), index, progress=lambda m: print(f"  {m}", file=sys.stderr))


def language(question: str) -> str:
    return "en" if english_share(question) > 0.5 else "ja"


def rank_of(texts: list[str], gold: list[str]) -> int:
    return next((i for i, text in enumerate(texts[:10], 1) if any(g in text for g in gold)), 0)


def summary(ranks: list[int]) -> tuple[float, float, float]:
    n = len(ranks)
    return (sum(r == 1 for r in ranks) / n, sum(1 <= r <= 5 for r in ranks) / n, sum(1 / r for r in ranks if r) / n)


def compare(split: str, work: Path) -> None:
    retriever = corpus_index(split, work)
    questions = load_questions(CORPUS / f"{split}_questions.jsonl")
    unanswerable = load_questions(CORPUS / f"{split}_oos.jsonl", need_gold=False)
    exchanges = [p for p in retriever.data.passages if p.kind == "exchange"]
    embedder = retriever.embedder
    answer_vectors = embedder.embed_passages([p.text for p in exchanges])
    exchange_vectors = embedder.embed_passages([f"{p.question}\n{p.text}" if p.question else p.text for p in exchanges])
    ranks: dict[str, dict[str, list[int]]] = {"pipeline": {}, "answer once": {}, "exchange once": {}}
    abstained_wrongly: dict[str, list[bool]] = {}
    for row in questions:
        lang = language(row["q"])
        result = retriever.search(row["q"], k=10)
        ranks["pipeline"].setdefault(lang, []).append(rank_of([h.text for h in result.hits], row["gold"]))
        abstained_wrongly.setdefault(lang, []).append(not result.answered)
        query = embedder.embed_queries([row["q"]])[0]
        for name, vectors in (("answer once", answer_vectors), ("exchange once", exchange_vectors)):
            order = np.argsort(-(vectors @ query), kind="stable")
            ranks[name].setdefault(lang, []).append(rank_of([exchanges[i].text for i in order], row["gold"]))
    abstained: dict[str, list[bool]] = {}
    for row in unanswerable:
        abstained.setdefault(language(row["q"]), []).append(not retriever.search(row["q"], k=3).answered)

    print(f"\n### {split} split: {len(retriever.data.articles)} articles, {len(questions)} answerable and "
          f"{len(unanswerable)} unanswerable questions\n")
    print("| method | questions | Recall@1 | Recall@5 | MRR |")
    print("|---|---|---|---|---|")
    for name, by_lang in ranks.items():
        for lang in ("ja", "en", "all"):
            values = sum(by_lang.values(), []) if lang == "all" else by_lang.get(lang, [])
            if values:
                r1, r5, mrr = summary(values)
                print(f"| {name} | {lang} {len(values)} | {r1:.3f} | {r5:.3f} | {mrr:.3f} |")
    print("\n| pipeline abstention | ja | en | all |")
    print("|---|---|---|---|")
    rows = (("unanswerable → not found", abstained), ("answerable → wrongly not found", abstained_wrongly))
    for label, table in rows:
        cells = [f"{sum(table.get(lang, [])) / max(1, len(table.get(lang, []))):.3f} ({sum(table.get(lang, []))}/"
                 f"{len(table.get(lang, []))})" for lang in ("ja", "en")]
        everything = sum(table.values(), [])
        cells.append(f"{sum(everything) / len(everything):.3f} ({sum(everything)}/{len(everything)})")
        print(f"| {label} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", action="append", choices=SPLITS,
                        help="default: all (exam3 is held out; the others are tuning side)")
    parser.add_argument("--work", default="/tmp/corpus-indexes", help="where the corpus indexes are kept")
    args = parser.parse_args()
    for split in args.split or SPLITS:
        compare(split, Path(args.work))


if __name__ == "__main__":
    main()
