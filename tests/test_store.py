"""Stage 4 (store.py): the index on disk names its model, checks itself when loaded, holds no
pickle, and is only ever replaced by a complete new generation."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

import faiss
import numpy as np
import pytest

from retrieval import HashingEmbedder, Retriever, load_seeds
from retrieval.errors import IndexStoreError
from retrieval.index.store import current_generation, load_index
from retrieval.ingest.passages import views

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
QUESTIONS = ["DX推進リーダーって何をする人？", "オンライン会議は増えましたか", "今日のおすすめの映画は？"]


def generation(index: Path) -> Path:
    folder = current_generation(index)
    assert folder is not None
    return folder


def test_faiss_finds_what_a_plain_numpy_cosine_search_finds(fake_retriever: Retriever) -> None:
    data, embedder = fake_retriever.data, fake_retriever.embedder
    stored = data.vectors.reconstruct_n(0, data.vectors.ntotal)
    # the index holds exactly the embeddings of every passage's views, in order
    texts = [text for passage in data.passages for text in views(passage)]
    np.testing.assert_allclose(stored, HashingEmbedder().embed_passages(texts), atol=1e-6)
    assert [int(o) for o in data.view_owner] == [n for n, p in enumerate(data.passages) for _ in views(p)]

    for question in QUESTIONS:
        query = embedder.embed_queries([question])[0]
        scores, ids = data.vectors.search(query[None, :], 10)
        cosine = stored @ query
        expected = np.argsort(-cosine, kind="stable")[:10]
        assert list(ids[0]) == list(expected), question
        np.testing.assert_allclose(scores[0], cosine[expected], atol=1e-5)


def test_the_manifest_records_model_versions_counts_and_checksums(fake_index: Path) -> None:
    folder = generation(fake_index)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder"]["name"] == "hashing/char-bigram-256"
    assert manifest["embedder"]["dim"] == 256
    assert manifest["embedder"]["model"] == "hashing"
    assert manifest["tokenizer"] == "sudachi"
    for package in ("faiss-cpu", "bm25s", "numpy", "sudachipy"):
        assert manifest["packages"][package] == metadata.version(package)
    passages = (folder / "passages.jsonl").read_text(encoding="utf-8").splitlines()
    assert manifest["counts"]["articles"] == 1
    assert manifest["counts"]["passages"] == len(passages) == 12
    assert manifest["counts"]["views"] == faiss.read_index(str(folder / "vectors.faiss")).ntotal
    files = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["checksums"]) == files
    for name, digest in manifest["checksums"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


def test_passages_are_stored_as_readable_japanese(fake_index: Path) -> None:
    text = (generation(fake_index) / "passages.jsonl").read_text(encoding="utf-8")
    assert "DX推進リーダーを任命" in text  # ensure_ascii=False: no \\u escapes


def test_loading_with_another_embedder_is_refused_with_a_hint_to_rebuild(fake_index: Path) -> None:
    with pytest.raises(IndexStoreError, match=r"hashing/char-bigram-256.*rebuild"):
        Retriever.load(fake_index, embedder=HashingEmbedder(dim=128))


def test_loading_without_an_embedder_uses_the_one_the_index_was_built_with(tmp_path: Path) -> None:
    Retriever.build(load_seeds(SEEDS), tmp_path / "index", embedder=HashingEmbedder(dim=128))
    retriever = Retriever.load(tmp_path / "index")
    assert (retriever.embedder.name, retriever.embedder.dim) == ("hashing/char-bigram-128", 128)
    assert retriever.search("DX推進リーダーって何をする人？").hits


def test_a_folder_without_an_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(IndexStoreError, match=r"python -m retrieval build"):
        Retriever.load(tmp_path)


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        pytest.param(lambda gen: truncate(gen / "vectors.faiss"), "vectors.faiss", id="truncated-vectors"),
        pytest.param(lambda gen: flip_a_byte(gen / "passages.jsonl"), "passages.jsonl", id="corrupted-passages"),
        pytest.param(lambda gen: (gen / "view_owner.npy").unlink(), "view_owner.npy", id="deleted-view-owner"),
        pytest.param(lambda gen: (gen / "bm25" / "vocab.index.json").unlink(), "vocab.index.json",
                     id="deleted-bm25-vocabulary"),
        pytest.param(lambda gen: (gen / "manifest.json").write_text("{", encoding="utf-8"), "manifest.json",
                     id="garbled-manifest"),
    ],
)
def test_a_damaged_index_file_is_named_in_the_error(fresh_index: Path, damage, named: str) -> None:
    damage(generation(fresh_index))
    with pytest.raises(IndexStoreError) as caught:
        Retriever.load(fresh_index)
    assert named in str(caught.value)
    assert "rebuild" in str(caught.value)


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\n", b"\xff\xfe\x00garbage", b"gen-\x00\x01", b"../../etc", b"hello world\n", b".tmp-gen-x"],
    ids=["empty", "blank", "binary", "nul", "path", "unknown-name", "hidden"],
)
def test_a_garbage_current_file_is_named_in_the_error(fresh_index: Path, garbage: bytes) -> None:
    (fresh_index / "CURRENT").write_bytes(garbage)
    with pytest.raises(IndexStoreError) as caught:
        Retriever.load(fresh_index)
    assert "CURRENT" in str(caught.value)


def test_nothing_in_the_index_folder_is_pickled(fake_index: Path) -> None:
    files = [p for p in fake_index.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert path.suffix not in (".pkl", ".pickle", ".joblib"), path
        assert not path.read_bytes().startswith(b"\x80"), path  # the pickle protocol marker
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)  # raises for object arrays, which need pickle
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".jsonl":
            [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_failed_write_leaves_the_previous_generation_in_use(
    fresh_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = generation(fresh_index)
    folders_before = sorted(p.name for p in fresh_index.iterdir())

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(faiss, "write_index", disk_full)
    with pytest.raises(OSError):
        Retriever.build(load_seeds(SEEDS), fresh_index, embedder=HashingEmbedder())
    monkeypatch.undo()

    assert generation(fresh_index) == before
    assert sorted(p.name for p in fresh_index.iterdir()) == folders_before  # no half-written leftovers
    result = Retriever.load(fresh_index).search("DX推進リーダーって何をする人？")
    assert result.answered and result.hits


def test_a_rebuild_switches_to_a_new_generation_and_prunes_old_ones(fresh_index: Path) -> None:
    first = generation(fresh_index)
    for _ in range(3):
        Retriever.build(load_seeds(SEEDS), fresh_index, embedder=HashingEmbedder())
    latest = generation(fresh_index)
    assert latest != first
    generations = [p for p in fresh_index.iterdir() if p.is_dir()]
    assert latest in generations
    assert len(generations) <= 2
    assert load_index(fresh_index).path == latest
