"""Round 7 on the tuning side: a model per language, and two signals read against the hit's article
(docs/measurements.md, round 7).

    python scripts/round7_tuning.py [--work /tmp/round5] [--reuse]

The same indexes and protocol as ``round6_tuning.py`` (whose ``--work`` folder it can reuse): leaving
one question writer (split) out at a time, the calibration is fitted as ``fit_default_calibration.py``
does on the shipped article and the other eleven splits' own indexes, each language's size allowance
set on the 52-article index, and the split left out is judged on its own index and on the 52-article
one, through ``Calibration.probability`` as ``search()`` decides. Variants:

- signals: round 6's ten, or with ``article_coverage`` and ``compound_coverage`` (shipped);
- models: one for both languages shifted to 3 % of the answerable questions (round 6); one per
  language, Japanese at 3 % and English at 3 % or 4 % (round 7's first version, with which exam14 was
  measured: English at 4 %); or (shipped) a model of the Japanese questions for Japanese questions and,
  for English ones, a model of both languages' questions without ``calibration.NOT_FOR_ENGLISH``, each
  shifted to 3 % of the answerable questions it was fitted on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from crossfit_splits import declined_table, fit_variant, tuning_signals
from fit_default_calibration import SPLITS

from retrieval.index import calibration

SIZE = calibration.FEATURES.index("corpus_size")
NEW = ("article_coverage", "compound_coverage")


def fitted(fit_rows, larger: list[np.ndarray], models: str, english_share: float,
           drop: tuple[str, ...]) -> calibration.Calibration:
    """The calibration ``fit_calibration`` would make from these rows under a variant (``models``: "one",
    "per language" or "japanese own")."""
    start = max(float(features[0, SIZE]) for features, _, _ in fit_rows)
    share = calibration.WRONGLY_DECLINED
    if models == "one":
        bias, weights = fit_variant(fit_rows, drop, share, calibration.PENALTY)
        english_bias, english_weights, english_share = bias, weights, share
    else:
        bias, weights = fit_variant([r for r in fit_rows if not r[2]], drop, share, calibration.PENALTY)
        if models == "per language":
            english_bias, english_weights = fit_variant([r for r in fit_rows if r[2]], drop, english_share,
                                                        calibration.PENALTY)
        else:
            english_bias, english_weights = fit_variant(fit_rows, (*drop, *calibration.NOT_FOR_ENGLISH), share,
                                                        calibration.PENALTY)
            english_share = share
    english = calibration.growth_allowance(english_bias, english_weights, larger, start, english_share, english=True)
    japanese = calibration.growth_allowance(bias, weights, larger, start, english=False)
    own = models != "one"
    return calibration.Calibration(bias, tuple(weights), english_growth=english, japanese_growth=japanese,
                                   growth_from=start, growth_to=max(float(f[0, SIZE]) for f in larger),
                                   english_bias=english_bias if own else 0.0,
                                   english_weights=tuple(english_weights) if own else ())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/round5")
    parser.add_argument("--reuse", action="store_true", help="load the indexes a previous run left in --work")
    args = parser.parse_args()
    seed_rows, small, large = tuning_signals(Path(args.work), args.reuse, "round7-signals.pkl", SPLITS)
    print("Declined, leaving one split out at a time (own index | the 52-article index): "
          "unanswerable, then answerable (wrongly), per language\n")
    print("| signals | models | judged | own: ja unanswerable | ja answerable | en unanswerable | en answerable "
          "| 52: ja unanswerable | ja answerable | en unanswerable | en answerable |")
    print("|---|---|---|" + "---|" * 8)
    for signals_name, drop in (("round 6's", NEW), ("+ article, compound", ())):
        for models, kind, share in (("one, 3 %", "one", 0.03), ("per language, en 3 %", "per language", 0.03),
                                    ("per language, en 4 %", "per language", 0.04),
                                    ("ja own, en: both languages' without the two", "japanese own", 0.03)):
            if kind == "japanese own" and drop:
                continue
            for judged_on, held_out in (("all 12 splits", SPLITS), ("exam4-exam9", SPLITS[6:])):
                cells = declined_table(  # a dropped signal's weight is 0, so the rows are judged as they are
                    seed_rows, small, large, held_out,
                    lambda fit_rows, larger, k=kind, e=share, d=drop: fitted(fit_rows, larger, k, e, d))
                print(f"| {signals_name} | {models} | {judged_on} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
