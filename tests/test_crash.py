"""An update killed at any moment, damaged files, and two updates at once never cost readers the index."""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import NEW_ARTICLE, ROOT

from retrieval import HashingEmbedder, LiveRetriever, Retriever, load_seeds
from retrieval.cli import main
from retrieval.editing.library import Library, update_lock
from retrieval.errors import IndexStoreError
from retrieval.index.store import current_generation
from retrieval.ingest.sources import read_source

NEW_ID = "dx-suishin-tantouka-chuhen"
OLD_ID = "dx-suishin-tantouka-zenpen"
ONLY_IN_NEW = "区役所の職員はどのくらいテレワークをしていますか?"

# Runs `python -m retrieval add` with one function wrapped so that its Nth call stops the process
# just before it runs ("PAUSED" on stdout), where the test kills it with SIGKILL.
CHILD = r"""
import importlib, sys, time
owner_path, attr, nth, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
try:
    owner = importlib.import_module(owner_path)
except ImportError:
    module, name = owner_path.rsplit(".", 1)
    owner = getattr(importlib.import_module(module), name)
original, calls = getattr(owner, attr), [0]
def wrapped(*args, **kwargs):
    calls[0] += 1
    if calls[0] == nth:
        print("PAUSED", flush=True)
        time.sleep(pause)
    return original(*args, **kwargs)
setattr(owner, attr, wrapped)
from retrieval.cli import main
sys.exit(main(sys.argv[5:]))
"""

# (what is wrapped, which call) → whether the new generation is in use when the process dies there.
STEPS = {
    "before writing seeds/": ("retrieval.editing.seeds", "write_atomic", 1, False),
    "between metadata and text in seeds/": ("os", "replace", 2, False),
    "while embedding": ("retrieval.index.embedding.HashingEmbedder", "embed_passages", 1, False),
    "while writing vectors": ("faiss", "write_index", 1, False),
    "before fsync": ("retrieval.index.store", "_fsync_tree", 1, False),
    "while verifying the new generation": ("retrieval.index.store", "load_generation", 2, False),
    "before renaming the staging folder": ("os", "rename", 1, False),
    "before switching CURRENT": ("os", "replace", 3, False),
    "after switching, before cleaning up": ("retrieval.index.store", "prune_generations", 1, True),
}


def start_child(step: tuple[str, str, int], args: list[str], pause: float = 60.0) -> subprocess.Popen:
    owner, attr, nth = step
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETRIEVAL_")}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, owner, attr, str(nth), str(pause), *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for_pause(child: subprocess.Popen, timeout: float = 60.0) -> None:
    ready, _, _ = select.select([child.stdout], [], [], timeout)
    line = child.stdout.readline() if ready else ""
    if line.strip() != "PAUSED":
        child.kill()
        raise AssertionError(f"the update never reached the step: {child.communicate()[1]}")


def add_args(seeds: Path, index: Path, source: Path = NEW_ARTICLE) -> list[str]:
    return ["add", str(source), "--seeds", str(seeds), "--index", str(index)]


def article_ids(index: Path) -> set[str]:
    return {a.id for a in Retriever.load(index).articles}


@pytest.mark.parametrize("step", list(STEPS), ids=list(STEPS))
def test_an_update_killed_at_any_step_leaves_a_complete_generation(
    library_dirs: tuple[Path, Path], step: str
) -> None:
    seeds, index = library_dirs
    *where, switched = STEPS[step]
    child = start_child(tuple(where), add_args(seeds, index))
    wait_for_pause(child)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    retriever = Retriever.load(index)  # verifies every checksum
    expected = {OLD_ID, NEW_ID} if switched else {OLD_ID}
    assert {a.id for a in retriever.articles} == expected
    assert retriever.search(ONLY_IN_NEW).hits
    load_seeds(seeds)  # seeds/ still parses, whatever was half-written is not visible

    # Running the same command again finishes the job.
    change = Library(seeds, index).add(read_source(str(NEW_ARTICLE)))
    assert change.status == ("unchanged" if switched else "added")
    assert Retriever.load(index).search(ONLY_IN_NEW).hits[0].article_id == NEW_ID
    assert not list(seeds.glob(".*.tmp"))  # what the killed update half-wrote is cleaned up


@pytest.mark.parametrize("delay", [0.4, 0.8, 1.2, 1.6])
def test_an_update_killed_after_any_delay_leaves_the_old_or_the_new_generation(
    library_dirs: tuple[Path, Path], delay: float
) -> None:
    seeds, index = library_dirs
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETRIEVAL_")}
    child = subprocess.Popen([sys.executable, "-m", "retrieval", *add_args(seeds, index)], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert article_ids(index) in ({OLD_ID}, {OLD_ID, NEW_ID})


DAMAGE = {
    "truncated vectors": ("vectors.faiss", lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])),
    "corrupted passages": ("passages.jsonl", lambda p: p.write_bytes(p.read_bytes().replace("Kさん".encode(), b"K"))),
    "emptied owners": ("view_owner.npy", lambda p: p.write_bytes(b"")),
    "missing cache": ("view_hashes.npy", lambda p: p.unlink()),
    "truncated manifest": ("manifest.json", lambda p: p.write_bytes(p.read_bytes()[:100])),
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_damaged_file_is_named_and_the_app_keeps_serving_the_last_good_generation(
    library_dirs: tuple[Path, Path], damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    seeds, index = library_dirs
    live = LiveRetriever(index, check_every=0)
    good = live.generation
    Library(seeds, index).add(read_source(str(NEW_ARTICLE)))
    name, harm = DAMAGE[damage]
    harm(current_generation(index) / name)

    with pytest.raises(IndexStoreError, match=rf"{name}.*(damaged|missing)"):
        Retriever.load(index)
    with caplog.at_level(logging.WARNING, logger="retrieval.editing.live"):
        assert live.current().search("DX推進担当課はどのような経緯で設立されたのですか?").answered
        live.current()
    assert live.generation == good
    lines = [r.getMessage() for r in caplog.records if r.name == "retrieval.editing.live"]
    assert len(lines) == 1 and name in lines[0]

    # The next update notices the damage, rebuilds from seeds/, and the app switches to it.
    Library(seeds, index, embedder=HashingEmbedder()).add(read_source(str(NEW_ARTICLE)))
    assert live.current().search(ONLY_IN_NEW).hits[0].article_id == NEW_ID


def test_a_damaged_pointer_keeps_the_app_on_the_last_good_generation(
    library_dirs: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    _, index = library_dirs
    live = LiveRetriever(index, check_every=0)
    (index / "CURRENT").write_text("gen-that-does-not-exist\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="retrieval.editing.live"):
        assert live.current().search("DX推進担当課はどのような経緯で設立されたのですか?").hits
    assert "CURRENT" in caplog.text


def test_a_second_update_says_another_is_running(
    library_dirs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    seeds, index = library_dirs
    before = current_generation(index)
    with update_lock(index):
        code = main([*add_args(seeds, index), "--wait", "0"])
    assert code == 2
    assert "another update is running" in capsys.readouterr().err
    assert current_generation(index) == before and not (seeds / f"{NEW_ID}.txt").exists()


def test_two_updates_at_once_both_land(library_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    seeds, index = library_dirs
    other = tmp_path / "dx-suishin-tantouka-kouhen.txt"
    other.write_text(NEW_ARTICLE.read_text(encoding="utf-8").replace("中編", "後編").replace("6割", "7割"),
                     encoding="utf-8")
    pause = 1.0  # each update sleeps this long while holding the lock
    started = time.monotonic()
    children = [start_child(("retrieval.editing.library", "build_generation", 1), add_args(seeds, index, source), pause)
                for source in (NEW_ARTICLE, other)]
    outputs = [child.communicate(timeout=60) for child in children]
    elapsed = time.monotonic() - started

    assert [c.returncode for c in children] == [0, 0], outputs
    assert all("added" in out for out, _ in outputs)
    assert elapsed >= 2 * pause  # one waited for the other
    assert article_ids(index) == {OLD_ID, NEW_ID, "dx-suishin-tantouka-kouhen"}
    assert {p.name for p in seeds.glob("*.txt")} == {f"{OLD_ID}.txt", f"{NEW_ID}.txt", other.name}


def test_a_damaged_current_generation_at_start_up_serves_the_previous_one(library_dirs: tuple[Path, Path],
                                                                          tmp_path: Path) -> None:
    """`python app.py` on an index whose newest generation is damaged: it says so, serves the one
    before, and rebuilds nothing (no new generation, CURRENT untouched)."""
    from app_server import free_port
    from test_live_update import ask

    seeds, index = library_dirs
    previous = current_generation(index)
    Library(seeds, index).add(read_source(str(NEW_ARTICLE)))
    damaged = current_generation(index)
    DAMAGE["truncated vectors"][1](damaged / "vectors.faiss")
    folders = sorted(p.name for p in index.iterdir())
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RETRIEVAL_", "APP_"))}
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--index", str(index), "--seeds",
                                str(seeds), "--db", str(tmp_path / "f.sqlite3")],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while not any("Running on" in line for line in lines):
            ready, _, _ = select.select([process.stderr], [], [], 60)
            assert ready and process.poll() is None, "".join(lines)
            lines.append(process.stderr.readline())
        said = "".join(lines)
        assert f"{damaged.name}/vectors.faiss is damaged" in said and previous.name in said, said
        assert "building" not in said and "Traceback" not in said
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                ask(f"http://127.0.0.1:{port}/", "DX")
                break
            except OSError:
                time.sleep(0.2)
        assert ask(f"http://127.0.0.1:{port}/", "DX推進リーダーって何をする人?")["answered"]
        assert not ask(f"http://127.0.0.1:{port}/", ONLY_IN_NEW)["hits"][0]["id"].startswith(NEW_ID)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert sorted(p.name for p in index.iterdir()) == folders and current_generation(index) == damaged


def test_a_killed_add_is_visible_in_list_and_the_next_update_takes_it_in(library_dirs: tuple[Path, Path],
                                                                         run_cli: object) -> None:
    seeds, index = library_dirs
    child = start_child(("os", "rename", 1), add_args(seeds, index))  # seeds/ written, index not switched
    wait_for_pause(child)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert list(index.glob(".tmp-gen-*")) and (seeds / f"{NEW_ID}.txt").exists()

    listed = run_cli("list", "--seeds", str(seeds), "--index", str(index))
    assert listed.returncode == 0
    [row] = [line for line in listed.stdout.splitlines() if line.startswith(NEW_ID)]
    assert "NOT IN THE INDEX" in row and "disagree" in listed.stderr

    # The next update of any article (here: the old one, unchanged) brings the index in line.
    done = run_cli(*add_args(seeds, index, ROOT / "seeds" / f"{OLD_ID}.txt"))
    assert done.returncode == 0, done.stderr
    assert article_ids(index) == {OLD_ID, NEW_ID} and not list(index.glob(".tmp-gen-*"))
    listed = run_cli("list", "--seeds", str(seeds), "--index", str(index), "--json")
    assert {row["id"]: row["state"] for row in json.loads(listed.stdout)} == {OLD_ID: "indexed", NEW_ID: "indexed"}


def test_start_up_without_an_intact_generation_builds_under_the_update_lock(seeds_copy: Path, tmp_path: Path) -> None:
    from retrieval import open_index

    index, said, opened = tmp_path / "index", [], []
    with update_lock(index):  # an editor's update is running: the app waits for it, then builds
        worker = threading.Thread(target=lambda: opened.append(open_index(index, seeds_copy, "hashing", said.append)))
        worker.start()
        worker.join(timeout=1.5)
        assert worker.is_alive() and not (index / "CURRENT").exists()
    worker.join(timeout=60)
    assert opened[0].search("DX推進リーダーって何をする人?").hits
    assert any("building the index" in line for line in said)
