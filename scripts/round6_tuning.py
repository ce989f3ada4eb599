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

Round 7 added two signals: a fresh run (without round 6's cached ``round6-signals.pkl``) fits them
too; ``round7_tuning.py`` shows round 6's signals and method beside round 7's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from crossfit_splits import declined_table, fit_variant, tuning_signals
from fit_default_calibration import SPLITS

from retrieval.index import calibration

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/round5")
    parser.add_argument("--reuse", action="store_true", help="load the indexes a previous run left in --work")
    args = parser.parse_args()
    seed_rows, small, large = tuning_signals(Path(args.work), args.reuse, "round6-signals.pkl", SPLITS)
    print("Declined, leaving one split out at a time (own index | the 52-article index): "
          "unanswerable, then answerable (wrongly), per language\n")
    print("| size allowance | judged | own: ja unanswerable | ja answerable | en unanswerable | en answerable "
          "| 52: ja unanswerable | ja answerable | en unanswerable | en answerable |")
    print("|---|---|" + "---|" * 8)
    for variant in ("round 5", "each language"):
        for judged_on, held_out in (("all 12 splits", SPLITS), ("exam4-exam9", SPLITS[6:])):
            cells = declined_table(seed_rows, small, large, held_out,
                                   lambda fit_rows, larger, v=variant: fitted(fit_rows, larger, v))
            print(f"| {variant} | {judged_on} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
