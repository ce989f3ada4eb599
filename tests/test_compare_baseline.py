"""``scripts/compare_baseline.py`` on articles and questions of one's own (``--articles``): the same measures
the project reports for its splits, for an evaluator who has other articles. Real bundled model."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

pytestmark = pytest.mark.slow


def compare(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "scripts/compare_baseline.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_own_articles_get_the_pipeline_and_baseline_tables_per_language(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", articles)
    done = compare("--articles", str(articles), "--questions", str(DATA / "dev.jsonl"),
                   "--oos", str(DATA / "dev_oos.jsonl"), "--work", str(tmp_path / "work"))
    assert done.returncode == 0, done.stderr
    rows = {(method, lang): (int(n), float(r1), float(r5), float(mrr)) for method, lang, n, r1, r5, mrr in
            re.findall(r"^\| (pipeline|answer once|exchange once) \| (ja|en|all) (\d+) \| ([\d.]+) \| ([\d.]+) \| "
                       r"([\d.]+) \|$", done.stdout, flags=re.MULTILINE)}
    assert {lang for _, lang in rows} == {"ja", "en", "all"} and len(rows) == 9
    assert rows[("pipeline", "ja")][0] == 12 and rows[("pipeline", "en")][0] == 4  # the dev set's 16
    # The dev set's figures as `python -m retrieval eval` reports them (README): R@1 0.875, MRR 0.90.
    assert rows[("pipeline", "all")][1] >= 0.8 and rows[("pipeline", "all")][3] >= 0.85
    assert re.search(r"^\| unanswerable → not found \| [\d.]+ \(\d+/3\) \| [\d.]+ \(\d+/1\) \| [\d.]+ \(\d+/4\) \|$",
                     done.stdout, flags=re.MULTILINE)


def test_own_questions_that_cannot_be_read_get_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"q": "DX推進リーダーって何?"}\n', encoding="utf-8")  # no gold
    done = compare("--articles", str(ROOT / "seeds"), "--questions", str(broken), "--work", str(tmp_path))
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [f'error: {broken}:1: each line needs "gold": ["...", ...]']
    done = compare("--questions", str(DATA / "dev.jsonl"), "--split", "tune")
    assert done.returncode == 2 and "either --articles or --index" in done.stderr
