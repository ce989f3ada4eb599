"""The pipeline against the naive baseline, side by side, on the multi-article corpus splits.

    python scripts/compare_baseline.py [--split exam3] [--split tune] [--together [--ask exam6] [--index DIR]]
                                       [--work /tmp/corpus-indexes] [--pipeline-only]
    python scripts/compare_baseline.py --articles DIR --questions Q.jsonl [--oos U.jsonl]   (or --index DIR)

For each split an index of ``seeds/`` plus the split's articles (tests/data/corpus/SPLIT/) is built
with the bundled model, afresh in ``--work`` (with ``--together``, one index of all the splits'
articles, asked all their questions: how the engine does as the series grows). Then:
- pipeline: ``Retriever.search`` as the app runs it (ranking, narration rule, calibrated abstention);
- baseline "answer once": each exchange's answer embedded once, cosine only, narration left out;
- baseline "exchange once": the interviewer's question + answer embedded once, cosine only.
Printed as markdown tables (Recall@1, Recall@5, MRR per language; abstention for the pipeline).
Which splits are held out and which are tuning side: tests/data/corpus/README.md.

The same measures on articles and questions of your own: ``--articles DIR`` indexes the folder's articles
(``*.txt``, each with its ``.json`` beside it, as ``seeds/``) afresh in ``--work``, or ``--index DIR`` asks an
index built before; ``--questions`` ({"q", "gold"} a line, as tests/data/dev.jsonl) and ``--oos`` ({"q"} a
line) are asked there.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
from corpus_sets import HELD_OUT_SPLITS, SEED_FILES, SPLITS, index_of, split_files, split_questions

from retrieval import Retriever, is_english, load_seeds
from retrieval.errors import RetrievalError
from retrieval.search.evaluate import gold_rank, load_questions


def corpus_index(splits: list[str], work: Path) -> Retriever:
    """Seeds plus the splits' articles, built afresh with the bundled model."""
    return index_of("+".join(splits), SEED_FILES + split_files(*splits), work,
                    progress=lambda m: print(f"  {m}", file=sys.stderr))


def language(question: str) -> str:
    return "en" if is_english(question) else "ja"


def rank_of(texts: list[str], gold: list[str]) -> int:
    return gold_rank(texts[:10], gold)


def summary(ranks: list[int]) -> tuple[float, float, float]:
    n = len(ranks)
    return (sum(r == 1 for r in ranks) / n, sum(1 <= r <= 5 for r in ranks) / n, sum(1 / r for r in ranks if r) / n)


def compare_splits(splits: list[str], work: Path, ask: list[str] | None = None, index: Path | None = None,
                   baselines: bool = True) -> None:
    retriever = Retriever.load(index) if index else corpus_index(splits, work)
    asked = ask or splits
    label = "+".join(splits) + (f", asked {'+'.join(asked)}'s questions" if ask else "") + " split"
    compare(retriever, label, [row for s in asked for row in split_questions(s)[0]],
            [row for s in asked for row in split_questions(s)[1]], baselines)


def compare(retriever: Retriever, label: str, questions: list[dict], unanswerable: list[dict],
            baselines: bool = True) -> None:
    """The tables for one index and its questions (answerable, with gold; unanswerable)."""
    exchanges = [p for p in retriever.data.passages if p.kind == "exchange"]
    embedder = retriever.embedder
    baseline_vectors = {
        "answer once": embedder.embed_passages([p.text for p in exchanges]),
        "exchange once": embedder.embed_passages([f"{p.question}\n{p.text}" if p.question else p.text
                                                  for p in exchanges]),
    } if baselines else {}
    ranks: dict[str, dict[str, list[int]]] = {"pipeline": {}, **{name: {} for name in baseline_vectors}}
    abstained_wrongly: dict[str, list[bool]] = {}
    for row in questions:
        lang = language(row["q"])
        result = retriever.search(row["q"], k=10)
        ranks["pipeline"].setdefault(lang, []).append(rank_of([h.text for h in result.hits], row["gold"]))
        abstained_wrongly.setdefault(lang, []).append(not result.answered)
        query = embedder.embed_queries([row["q"]])[0] if baseline_vectors else None
        for name, vectors in baseline_vectors.items():
            order = np.argsort(-(vectors @ query), kind="stable")
            ranks[name].setdefault(lang, []).append(rank_of([exchanges[i].text for i in order], row["gold"]))
    abstained: dict[str, list[bool]] = {}
    for row in unanswerable:
        abstained.setdefault(language(row["q"]), []).append(not retriever.search(row["q"], k=3).answered)

    articles = len(retriever.data.articles)
    print(f"\n### {label}: {articles} article{'s' * (articles != 1)}, {len(questions)} answerable and "
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
        cells.append(f"{sum(everything) / max(1, len(everything)):.3f} ({sum(everything)}/{len(everything)})")
        print(f"| {label} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", action="append", choices=SPLITS,
                        help=f"default: all ({HELD_OUT_SPLITS[0]} to {HELD_OUT_SPLITS[-1]} are held out; "
                             "the others are tuning side)")
    parser.add_argument("--together", action="store_true",
                        help="one index of the seed and all the splits' articles, all their questions")
    parser.add_argument("--ask", action="append", choices=SPLITS,
                        help="with --together: ask only these splits' questions (e.g. the held-out ones)")
    parser.add_argument("--index", type=Path,
                        help="with --together: an index of all the splits built before (else built afresh)")
    parser.add_argument("--work", default="/tmp/corpus-indexes", help="where the corpus indexes are kept")
    parser.add_argument("--pipeline-only", action="store_true",
                        help="skip the two baselines (on a large index, embedding every passage twice takes minutes)")
    parser.add_argument("--articles", type=Path, help="a folder of your own articles, indexed afresh in --work")
    parser.add_argument("--questions", type=Path, help='with --articles or --index: {"q", "gold"} a line')
    parser.add_argument("--oos", type=Path, help='with --questions: questions no article answers, {"q"} a line')
    args = parser.parse_args()
    if args.articles or args.questions:
        if not args.questions or bool(args.articles) == bool(args.index) or args.split or args.together or args.ask:
            parser.error("your own questions go with --questions and either --articles or --index, nothing else")
        own(args)
        return
    if (args.ask or args.index) and not args.together:
        parser.error("--ask and --index go with --together")
    splits = args.split or SPLITS
    for group in [splits] if args.together else [[split] for split in splits]:
        compare_splits(group, Path(args.work), args.ask, args.index, baselines=not args.pipeline_only)


def own(args: argparse.Namespace) -> None:
    """The tables for your own articles (or index) and questions; bad input gets one line on stderr."""
    try:
        questions = load_questions(args.questions)
        unanswerable = load_questions(args.oos, need_gold=False) if args.oos else []
        if args.index:
            retriever = Retriever.load(args.index)
        else:
            index = Path(args.work) / "own-index"
            shutil.rmtree(index, ignore_errors=True)
            retriever = Retriever.build(load_seeds(args.articles), index,
                                        progress=lambda m: print(f"  {m}", file=sys.stderr))
    except RetrievalError as error:
        raise SystemExit(f"error: {error}") from None
    compare(retriever, f"{args.articles or args.index}", questions, unanswerable, baselines=not args.pipeline_only)


if __name__ == "__main__":
    main()
