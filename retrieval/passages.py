"""Stage 2: cut a parsed article into passages, the units that are searched and returned.

A passage is what a reader wants back: one staff answer together with the interviewer's turn that
prompted it (an "exchange"), or a run of narration. Interviewer turns are never passages of their
own. Ids depend only on the article id and the passage's place and text, so rebuilding from the
same article text gives the same ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from .articles import Article
from .text import sentences

Kind = Literal["exchange", "narration"]
MIN_ANCHOR = 12
MAX_ANCHOR = 60
# Characters in the text file that are not text on the web page (link markers).
NOT_ON_PAGE = "🔗"


@dataclass(frozen=True)
class Passage:
    """A searchable unit. ``text == source[start:end]``; ``question == source[q_start:q_end]``."""

    id: str
    article_id: str
    kind: Kind
    section: str
    speaker: str
    question: str
    text: str
    start: int
    end: int
    question_start: int
    question_end: int
    anchor: str

    def to_dict(self) -> dict:
        # Every field is a str or int, so a shallow dict equals asdict() at a fraction of the cost
        # (it matters when an index of thousands of articles is rewritten for one new article).
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict) -> Passage:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def passage_id(article_id: str, start: int, text: str) -> str:
    digest = hashlib.sha1(f"{article_id}\n{start}\n{text}".encode()).hexdigest()[:12]
    return f"{article_id}#{digest}"


def anchor_text(text: str, source: str) -> str:
    """The shortest start of ``text``'s first line (12+ chars) that occurs once in ``source``.

    Citation links point the browser at these words, so they must be unique in the article and
    must not contain characters that are not on the web page.
    """
    first_line = text.strip().split("\n", 1)[0]
    for marker in NOT_ON_PAGE:
        first_line = first_line.split(marker, 1)[0]
    first_line = first_line.strip()
    for length in range(MIN_ANCHOR, min(MAX_ANCHOR, len(first_line)) + 1):
        if source.count(first_line[:length]) == 1:
            return first_line[:length]
    return first_line[:MAX_ANCHOR]


def make_passages(article: Article) -> list[Passage]:
    """All passages of an article in reading order: narration runs and exchanges."""
    items: list[tuple[int, Passage]] = []
    publisher = article.meta.publisher or "ねつせた!"
    for run in article.narration:
        items.append((run.start, Passage(
            id=passage_id(article.id, run.start, run.text), article_id=article.id, kind="narration",
            section=run.section, speaker=publisher, question="", text=run.text,
            start=run.start, end=run.end, question_start=run.start, question_end=run.start,
            anchor=anchor_text(run.text, article.source),
        )))
    last_question = None
    for turn in article.turns:
        if turn.role == "interviewer":
            last_question = turn
            continue
        question = last_question
        items.append((turn.start, Passage(
            id=passage_id(article.id, turn.start, turn.text), article_id=article.id, kind="exchange",
            section=turn.section, speaker=turn.speaker,
            question=question.text if question else "", text=turn.text,
            start=turn.start, end=turn.end,
            question_start=question.start if question else turn.start,
            question_end=question.end if question else turn.start,
            anchor=anchor_text(turn.text, article.source),
        )))
    return [passage for _, passage in sorted(items, key=lambda item: item[0])]


def views(passage: Passage) -> list[str]:
    """The texts a passage is found by, embedded at build time. View 0 is the whole passage.

    An exchange: the interviewer's question with the answer, then each sentence of the answer (a
    reader's question often matches one sentence of a long answer). Narration: the whole run, then
    each of its lines. ``search.py`` scores a passage by its whole view and its best other view.
    """
    if passage.kind == "narration":
        parts = [passage.text] + [line.strip() for line in passage.text.split("\n") if line.strip()]
    else:
        whole = f"{passage.question}\n{passage.text}" if passage.question else passage.text
        parts = [whole, *sentences(passage.text)]
    seen: set[str] = set()
    return [p for p in parts if not (p in seen or seen.add(p))]
