"""Stage 5b (calibration.py, ``python -m retrieval calibrate``): when to answer "not found" is fitted
on questions about the indexed articles and stored with the index generation, never in the package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval import Retriever
from retrieval.errors import IndexStoreError
from retrieval.index.calibration import DEFAULTS_FILE, FEATURES, Calibration, default_for
from retrieval.index.store import MANIFEST

DATA = Path(__file__).resolve().parent / "data"


def test_calibrate_stores_a_fitted_calibration_in_a_new_generation(fresh_index: Path, run_cli) -> None:
    before = Retriever.load(fresh_index)
    package_default = DEFAULTS_FILE.read_bytes()
    result = run_cli("calibrate", str(DATA / "extra.jsonl"), "--oos", str(DATA / "extra_oos.jsonl"),
                     "--index", str(fresh_index))
    assert result.returncode == 0, result.stderr
    assert "leave-one-out" in result.stdout
    after = Retriever.load(fresh_index)
    assert after.data.path != before.data.path  # a new generation, switched in atomically
    fitted_on = json.loads((after.data.path / MANIFEST).read_text(encoding="utf-8"))["calibration"]
    assert (fitted_on["answerable"], fitted_on["unanswerable"]) == (32, 17)
    assert fitted_on["articles"] == ["dx-suishin-tantouka-zenpen"]
    assert after.data.calibration != before.data.calibration
    assert len(after.data.passages) == len(before.data.passages)  # nothing re-cut or lost
    assert DEFAULTS_FILE.read_bytes() == package_default  # the package is never written


def test_calibrate_without_unanswerable_questions_says_what_is_missing(fresh_index: Path, run_cli,
                                                                       tmp_path: Path) -> None:
    empty = tmp_path / "none.jsonl"
    empty.write_text("\n", encoding="utf-8")
    result = run_cli("calibrate", str(DATA / "extra.jsonl"), "--oos", str(empty), "--index", str(fresh_index))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no questions" in result.stderr


def test_a_new_build_starts_from_the_shipped_default(fresh_index: Path) -> None:
    retriever = Retriever.load(fresh_index)
    assert retriever.data.calibration == default_for(retriever.embedder.name)
    assert retriever.data.calibration.fitted_on["source"].startswith("scripts/fit_default_calibration.py")


@pytest.mark.parametrize("data", [{}, {"bias": 1.0, "weights": [1.0]}, {"bias": "x", "weights": []}])
def test_a_malformed_calibration_is_refused_with_a_hint(data: dict) -> None:
    with pytest.raises(IndexStoreError, match="python -m retrieval calibrate"):
        Calibration.from_dict(data)


def test_a_calibration_round_trips_through_json() -> None:
    calibration = Calibration(bias=-1.5, weights=tuple(float(i) for i in range(len(FEATURES))), fitted_on={"x": 1})
    assert Calibration.from_dict(json.loads(json.dumps(calibration.to_dict()))) == calibration
