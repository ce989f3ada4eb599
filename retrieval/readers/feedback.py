"""What readers tell the editors: questions the articles did not answer, and 👍/👎 on replies.

One embedded SQLite file, created with its tables on first use. A row holds the question, the
passage ids that were shown, the vote and the time (UTC) — never an IP address, a session id or
anything else about the person asking. Every write is one transaction on its own connection, so
one store can be shared by the web server's threads.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from ..errors import FeedbackError

DEFAULT_DB = Path("data") / "feedback.sqlite3"
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY,
    question TEXT NOT NULL,      -- what was searched (a follow-up includes the question before it)
    asked_at TEXT NOT NULL       -- UTC, ISO 8601, to the second
);
CREATE TABLE IF NOT EXISTS votes (
    id INTEGER PRIMARY KEY,
    question TEXT NOT NULL,
    passage_ids TEXT NOT NULL,   -- JSON list, best first; empty when nothing was quoted
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    voted_at TEXT NOT NULL
);
"""
Vote = Literal["up", "down"]


@dataclass(frozen=True)
class Count:
    """A question and how many times it was asked (unanswered) or down-voted."""

    question: str
    times: int
    last: str


@dataclass(frozen=True)
class Report:
    unanswered: tuple[Count, ...]
    down_voted: tuple[Count, ...]
    up_votes: int
    down_votes: int

    def lines(self) -> list[str]:
        out = ["Most frequent unanswered questions (記事で答えられなかった質問):"]
        out += [f"  {c.times:4d}×  {c.question}   (last {c.last})" for c in self.unanswered] or ["  (none)"]
        out.append("Most down-voted questions (👎 が多い質問):")
        out += [f"  {c.times:4d}×  {c.question}   (last {c.last})" for c in self.down_voted] or ["  (none)"]
        out.append(f"Votes: {self.up_votes} 👍, {self.down_votes} 👎")
        return out


def normalize_question(question: str) -> str:
    """NFKC, trimmed, inner whitespace collapsed: the same question typed twice counts once."""
    return " ".join(unicodedata.normalize("NFKC", question).split())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """The feedback database at ``path``. Nothing touches the disk until the first write or read."""

    def __init__(self, path: Path | str = DEFAULT_DB) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10)
            if connection.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                with connection:
                    connection.executescript(SCHEMA)
                    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return connection
        except (OSError, sqlite3.Error) as error:
            raise FeedbackError(f"cannot open the feedback database {self.path}: {error}") from None

    def _write(self, sql: str, values: tuple) -> None:
        try:
            with closing(self._connect()) as connection, connection:
                connection.execute(sql, values)
        except sqlite3.Error as error:
            raise FeedbackError(f"cannot write to the feedback database {self.path}: {error}") from None

    def record_unanswered(self, question: str) -> None:
        """Remember a question the articles did not answer."""
        self._write("INSERT INTO unanswered (question, asked_at) VALUES (?, ?)",
                    (normalize_question(question), _now()))

    def record_vote(self, question: str, passage_ids: Sequence[str], vote: Vote) -> None:
        """Remember a 👍 (``"up"``) or 👎 (``"down"``) on the reply that showed ``passage_ids``."""
        if vote not in ("up", "down"):
            raise ValueError(f'vote must be "up" or "down", not {vote!r}')
        self._write("INSERT INTO votes (question, passage_ids, vote, voted_at) VALUES (?, ?, ?, ?)",
                    (normalize_question(question), json.dumps(list(passage_ids), ensure_ascii=False),
                     1 if vote == "up" else -1, _now()))

    def votes(self) -> list[dict]:
        """Every vote, oldest first (for tests and exports)."""
        with closing(self._connect()) as connection:
            rows = connection.execute(
                "SELECT question, passage_ids, vote, voted_at FROM votes ORDER BY id").fetchall()
        return [{"question": q, "passage_ids": json.loads(ids), "vote": "up" if v > 0 else "down", "time": t}
                for q, ids, v, t in rows]

    def unanswered(self) -> list[dict]:
        """Every unanswered question, oldest first."""
        with closing(self._connect()) as connection:
            rows = connection.execute("SELECT question, asked_at FROM unanswered ORDER BY id").fetchall()
        return [{"question": q, "time": t} for q, t in rows]

    def report(self, limit: int = 10) -> Report:
        """The most frequent unanswered and down-voted questions, most frequent first."""
        if not self.path.exists():
            return Report((), (), 0, 0)
        with closing(self._connect()) as connection:
            unanswered = connection.execute(
                "SELECT question, COUNT(*), MAX(asked_at) FROM unanswered GROUP BY question "
                "ORDER BY COUNT(*) DESC, MAX(asked_at) DESC, question LIMIT ?", (limit,)).fetchall()
            down = connection.execute(
                "SELECT question, COUNT(*), MAX(voted_at) FROM votes WHERE vote < 0 GROUP BY question "
                "ORDER BY COUNT(*) DESC, MAX(voted_at) DESC, question LIMIT ?", (limit,)).fetchall()
            ups, downs = connection.execute(
                "SELECT COALESCE(SUM(vote > 0), 0), COALESCE(SUM(vote < 0), 0) FROM votes").fetchone()
        return Report(tuple(Count(*row) for row in unanswered), tuple(Count(*row) for row in down), ups, downs)
