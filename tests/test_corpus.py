"""The fixture corpus (tests/data/corpus/) stays valid: the series' layouts, and gold strings that
occur exactly once, inside the answer they belong to (scripts/check_corpus.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# Every split folder of the corpus, so that a new one is checked without being listed here.
SPLITS = sorted(p.name for p in (ROOT / "tests" / "data" / "corpus").iterdir() if p.is_dir())


@pytest.mark.parametrize("split", SPLITS)
def test_the_corpus_split_passes_its_checks(split: str) -> None:
    result = subprocess.run([sys.executable, "scripts/check_corpus.py", split], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "0 problem(s)" in result.stdout, result.stdout[-2000:] + result.stderr
