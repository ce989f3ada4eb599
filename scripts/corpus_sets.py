"""What the measuring scripts share: the shipped article's question sets, the corpus splits' files and
questions (tests/data/corpus/README.md says which split is which), and fresh indexes of them.
Importing it puts the project root on ``sys.path``, so a script can import ``retrieval`` after it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval import Retriever, load_seeds  # noqa: E402
from retrieval.search.evaluate import load_questions  # noqa: E402

DATA = ROOT / "tests" / "data"
CORPUS = DATA / "corpus"
SEED_FILES = sorted((ROOT / "seeds").iterdir())
# Which split is which (tests/data/corpus/README.md): these twelve are the tuning side; every other folder of the
# corpus is a held-out split (exam10 onwards, in the order they were written), found by its folder.
TUNING_SPLITS = ("tune", "test", "holdout", "exam", "exam2", "exam3", "exam4", "exam5", "exam6", "exam7", "exam8",
                 "exam9")
HELD_OUT_SPLITS = tuple(sorted((p.name for p in CORPUS.iterdir() if p.is_dir() and p.name not in TUNING_SPLITS),
                               key=lambda name: int(name.removeprefix("exam"))))
SPLITS = TUNING_SPLITS + HELD_OUT_SPLITS


def seed_questions() -> tuple[list[dict], list[dict]]:
    """The shipped article's (answerable, unanswerable) questions: the dev set and ours (extra, and
    seed_en_oos: English questions about ward services the article does not cover, round 5)."""
    return (load_questions(DATA / "dev.jsonl") + load_questions(DATA / "extra.jsonl"),
            load_questions(DATA / "dev_oos.jsonl", False) + load_questions(DATA / "extra_oos.jsonl", False)
            + load_questions(DATA / "seed_en_oos.jsonl", False))


def seed_sets(*names: str) -> tuple[list[dict], list[dict]]:
    """The (answerable, unanswerable) questions of question sets on the shipped article, pooled in order:
    ``tests/data/NAME.jsonl`` and ``NAME_oos.jsonl`` for each name."""
    return ([row for name in names for row in load_questions(DATA / f"{name}.jsonl")],
            [row for name in names for row in load_questions(DATA / f"{name}_oos.jsonl", need_gold=False)])


def split_questions(split: str) -> tuple[list[dict], list[dict]]:
    """A corpus split's (answerable, unanswerable) questions."""
    return (load_questions(CORPUS / f"{split}_questions.jsonl"),
            load_questions(CORPUS / f"{split}_oos.jsonl", need_gold=False))


def split_files(*splits: str) -> list[Path]:
    """The article files (text and metadata) of the splits."""
    return [p for split in splits for p in sorted((CORPUS / split).iterdir()) if p.suffix in (".txt", ".json")]


def index_of(name: str, files: list[Path], work: Path, embedder=None, progress=None, reuse: bool = False) -> Retriever:
    """A fresh index of ``files`` in ``work`` (a reused one would keep an old calibration). ``reuse``: load the one a
    previous run left in ``work`` when there is one (for measurements of the ranking, which it does not store)."""
    seeds, index = work / f"{name}-seeds", work / f"{name}-index"
    if reuse and index.exists():
        return Retriever.load(index, embedder=embedder)
    shutil.rmtree(seeds, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    seeds.mkdir(parents=True)
    for path in files:
        shutil.copy(path, seeds / path.name)
    return Retriever.build(load_seeds(seeds), index, embedder=embedder, progress=progress)
