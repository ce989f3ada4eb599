"""The feedback store (retrieval/readers/feedback.py) and ``python -m retrieval report``."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from retrieval.readers.feedback import FeedbackError, FeedbackStore

ROOT = Path(__file__).resolve().parent.parent
IDS = ["dx-suishin-tantouka-zenpen#0123456789ab", "dx-suishin-tantouka-zenpen#ba9876543210"]


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "feedback.sqlite3"


def test_the_database_is_created_on_first_use_only(db: Path) -> None:
    store = FeedbackStore(db)
    assert not db.exists()
    assert store.report().unanswered == ()
    assert not db.exists()
    store.record_unanswered("区役所の開庁時間は？")
    assert db.exists()


def test_a_vote_keeps_question_passages_vote_and_time_and_nothing_about_the_person(db: Path) -> None:
    store = FeedbackStore(db)
    store.record_vote("DX推進リーダーって何をする人?", IDS, "up")
    [vote] = store.votes()
    assert vote["question"] == "DX推進リーダーって何をする人?"
    assert vote["passage_ids"] == IDS and vote["vote"] == "up"
    assert vote["time"].endswith("+00:00")
    with sqlite3.connect(db) as connection:
        columns = {row[1] for table in ("votes", "unanswered")
                   for row in connection.execute(f"PRAGMA table_info({table})")}
    assert columns == {"id", "question", "passage_ids", "vote", "voted_at", "asked_at"}


def test_only_up_or_down_is_a_vote(db: Path) -> None:
    with pytest.raises(ValueError):
        FeedbackStore(db).record_vote("質問", IDS, "maybe")


def test_report_lists_the_most_frequent_unanswered_and_down_voted_questions_first(db: Path) -> None:
    store = FeedbackStore(db)
    for question in ["区役所の開庁時間は？", "粗大ごみの出し方", "区役所の開庁時間は?", " 区役所の開庁時間は？ "]:
        store.record_unanswered(question)
    store.record_vote("テレワークは進んでいますか", IDS, "down")
    store.record_vote("テレワークは進んでいますか", IDS[:1], "down")
    store.record_vote("RPAとは?", IDS, "down")
    store.record_vote("RPAとは?", IDS, "up")
    report = store.report()
    assert [(c.question, c.times) for c in report.unanswered] == [("区役所の開庁時間は?", 3), ("粗大ごみの出し方", 1)]
    assert [(c.question, c.times) for c in report.down_voted] == [("テレワークは進んでいますか", 2), ("RPAとは?", 1)]
    assert (report.up_votes, report.down_votes) == (1, 3)


def test_writes_from_many_threads_are_all_kept(db: Path) -> None:
    store = FeedbackStore(db)

    def vote() -> None:
        for _ in range(10):
            store.record_vote("同時に押された", IDS, "up")

    threads = [threading.Thread(target=vote) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.votes()) == 60


def test_an_unusable_database_path_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("not a folder", encoding="utf-8")
    with pytest.raises(FeedbackError, match="feedback database"):
        FeedbackStore(tmp_path / "taken" / "feedback.sqlite3").record_unanswered("質問")


def report_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retrieval", "report", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_report_command_prints_the_lists_for_editors(db: Path) -> None:
    store = FeedbackStore(db)
    store.record_unanswered("区役所の開庁時間は？")
    store.record_unanswered("区役所の開庁時間は？")
    store.record_vote("テレワークは進んでいますか", IDS, "down")
    done = report_command("--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "2×  区役所の開庁時間は?" in done.stdout
    assert "1×  テレワークは進んでいますか" in done.stdout
    assert "0 👍, 1 👎" in done.stdout


def test_report_command_without_a_database_says_nothing_was_recorded(db: Path) -> None:
    done = report_command("--db", str(db))
    assert done.returncode == 0
    assert "no feedback recorded yet" in done.stderr
    assert not db.exists()
