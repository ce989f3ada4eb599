"""Fit the bundled model's query adapter on the tuning side, and say what it does to retrieval.

    python scripts/fit_query_adapter.py [--work /tmp/round5] [--reuse] [--table] [--no-write]

Each tuning-side split (``fit_default_calibration.SPLITS``; never a held-out one) is indexed alone.
For each answerable question not about an article itself, its raw vector, its candidates (as
``search()`` fetches them) and the views of each, with the answer's place, become one example;
:func:`retrieval.index.adapter.fit_adapter` fits the map on all of them, and it is written to
``retrieval/index/query_adapters.npz`` (refit the default calibration afterwards:
``python scripts/fit_default_calibration.py``; the dense signals change).

``--also SPLIT``: fit on this split's questions too (round 19's try: exam10 ... exam25, measured in earlier
rounds). ``--compare SPLIT``: afterwards, English R@1 / R@5 / MRR through the whole pipeline on this split's own
index with the shipped map and with the one just fitted (a split in neither fit judges whether more writers help).

``--table``: first, leaving one split (one question writer) out at a time, the map fitted on the
other eleven judges the split left out through the whole pipeline (``evaluate``), on its own index
and on the index of all twelve splits' articles with the shipped article (``series``), against no
map. Every question is moved here, Japanese ones too (round 8's first version); ``search()`` moves
English ones only, so the shipped figures are the English columns of the map's rows and the
Japanese columns of the no-map rows. Retrieval only: the calibration does not change what is
ranked where.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from corpus_sets import SEED_FILES, index_of, split_files, split_questions
from fit_default_calibration import SPLITS

from retrieval import Retriever
from retrieval.index.adapter import ADAPTERS_FILE, Example, QueryAdapter, adapter_for, fit_adapter, save_adapters
from retrieval.index.embedding import load_embedder
from retrieval.search.evaluate import evaluate
from retrieval.search.ranking import WHOLE_WEIGHT, QueryVector, is_about_article

CANDIDATES = 60  # of each question's candidates, the nearest this many (the answer is rarely further)


def examples(retriever: Retriever, questions: list[dict]) -> list[Example]:
    """One example per answerable question whose answer is among its candidates."""
    scorer, found = retriever._scorer, []
    for row in questions:
        if is_about_article(row["q"]):
            continue
        query = retriever.embedder.embed_queries([row["q"]])[0]  # the raw vector: the map moves it
        candidates = scorer.candidates(query, False)[:CANDIDATES]
        texts = [retriever.data.passages[p].text for p in candidates]
        answers = [i for i, text in enumerate(texts) if any(g in text for g in row["gold"])]
        if answers:
            found.append(Example(query, [scorer.view_vectors(p) for p in candidates], answers[0]))
    return found


def moved(retriever: Retriever, adapter: QueryAdapter):
    """``embed_question`` with every question's vector moved by ``adapter`` (Japanese ones too)."""
    def embed_question(question: str, with_previous: bool = False):
        return QueryVector.of(adapter.apply(retriever.embedder.embed_queries([question])))
    return embed_question


def figures(retriever: Retriever, questions: list[dict]) -> dict[str, tuple[int, float, float, float]]:
    """Per language: (questions, R@1, R@5, MRR) through the whole pipeline."""
    out = {}
    for lang in ("ja", "en"):
        asked = [row for row in questions if row["lang"] == lang]
        report = evaluate(retriever, asked)
        out[lang] = (len(asked), report.recall_at_1, report.recall_at_5, report.mrr)
    return out


def pooled(parts: list[dict], lang: str) -> str:
    n = sum(p[lang][0] for p in parts)
    r1, r5, mrr = (sum(p[lang][0] * p[lang][i] for p in parts) / n for i in (1, 2, 3))
    return f"{r1:.3f} / {r5:.3f} / {mrr:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/round5"))
    parser.add_argument("--reuse", action="store_true", help="load the indexes in --work built before")
    parser.add_argument("--table", action="store_true", help="first, the leave-one-split-out table")
    parser.add_argument("--no-write", action="store_true", help="do not write the fitted map")
    parser.add_argument("--also", action="append", default=[], metavar="SPLIT", help="fit on this split too")
    parser.add_argument("--compare", action="append", default=[], metavar="SPLIT",
                        help="English figures on this split's own index, shipped map against the new one")
    args = parser.parse_args()
    splits = (*SPLITS, *args.also)
    embedder = load_embedder()

    def index(name: str, files: list[Path]) -> Retriever:
        return index_of(name, files, args.work, embedder, reuse=args.reuse)

    questions = {s: split_questions(s)[0] for s in splits}
    own = {s: index(s, SEED_FILES + split_files(s)) for s in splits}
    data = {s: examples(own[s], questions[s]) for s in splits}
    print(f"{sum(map(len, data.values()))} examples from {len(splits)} splits", flush=True)
    if args.table:
        series = index("series", SEED_FILES + split_files(*SPLITS))
        rows: dict[str, list] = {"no map": [], "map fitted on the other splits": []}
        for left in SPLITS:
            fold = QueryAdapter(fit_adapter([e for s in SPLITS if s != left for e in data[s]], WHOLE_WEIGHT))
            for name, adapter in (("no map", QueryAdapter()), ("map fitted on the other splits", fold)):
                for retriever in (own[left], series):  # every question moved (search() moves English ones only)
                    retriever.embed_question = moved(retriever, adapter)
                rows[name].append((figures(own[left], questions[left]), figures(series, questions[left])))
            print(f"  {left} done", flush=True)
        print("\n| questions judged on | variant | ja R@1 / R@5 / MRR | en R@1 / R@5 / MRR |")
        print("|---|---|---|---|")
        for where, at in (("own index", 0), (f"series ({len(series.data.articles)} articles)", 1)):
            for name, parts in rows.items():
                judged = [p[at] for p in parts]
                print(f"| {where} | {name} | {pooled(judged, 'ja')} | {pooled(judged, 'en')} |")
    matrix = fit_adapter([e for s in splits for e in data[s]], WHOLE_WEIGHT)
    if args.compare:
        shipped, fitted = adapter_for(embedder.name), QueryAdapter(matrix)
        print(f"\n| English questions of {' + '.join(args.compare)}, each on its own index | n | R@1 / R@5 / MRR |")
        print("|---|---|---|")
        judged = {s: index(s, SEED_FILES + split_files(s)) for s in args.compare}
        variants = ((f"shipped map ({len(SPLITS)} splits)", shipped), (f"map fitted on {len(splits)} splits", fitted))
        for name, adapter in variants:
            parts = []
            for s, retriever in judged.items():
                retriever.embed_question = moved(retriever, adapter)
                parts.append(figures(retriever, split_questions(s)[0]))
            print(f"| {name} | {sum(p['en'][0] for p in parts)} | {pooled(parts, 'en')} |")
    if not args.no_write:
        save_adapters({embedder.name: matrix})
        print(f"written to {ADAPTERS_FILE} (for {embedder.name}); now refit the default calibration")


if __name__ == "__main__":
    main()
