"""The fixture corpus (tests/data/corpus/) stays valid: the series' layouts, and gold strings that
occur exactly once, inside the answer they belong to (scripts/check_corpus.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


SPLITS = ["tune", "test", "holdout", "exam", "exam2", "exam3", "exam4", "exam5", "exam6", "exam7", "exam8", "exam9",
          "exam10", "exam11", "exam12", "exam13", "exam14", "exam15", "exam16", "exam17", "exam18", "exam19", "exam20",
          "exam21", "exam22", "exam23", "exam24", "exam25", "exam26",
          "exam27", "exam28", "exam29"]


@pytest.mark.parametrize("split", SPLITS)
def test_the_corpus_split_passes_its_checks(split: str) -> None:
    result = subprocess.run([sys.executable, "scripts/check_corpus.py", split], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "0 problem(s)" in result.stdout, result.stdout[-2000:] + result.stderr
