"""Stage 2: cut a parsed article into passages, the units that are searched and returned.

A passage is what a reader wants back: the staff's answer to one question together with the
interviewer's turn that asked it (an "exchange"), or a run of narration. When several staff members
answer one question in turn, the exchange quotes them all, from the first answer to the last.
Interviewer turns are never passages of their own. Ids depend only on the article id and the
passage's place and text, so rebuilding from the same article text gives the same ids.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from .articles import Article, Turn
from .layout import PUBLISHER
from .text import sentences, word_ends

Kind = Literal["exchange", "narration"]
MIN_ANCHOR = 12
SHORT_ANCHOR = 40
MAX_ANCHOR = 60
# An interviewer turn this short that asks for nothing is a reaction, not a new question.
REACTION_MAX_CHARS = 15
ASKING = re.compile(r"[?？]|お願い|教えて|ください|聞かせて|どう|なぜ|何|いつ|どこ|どれ|誰")
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


def _is_kana_or_kanji(ch: str) -> bool:
    # The characters a browser splits into words with a dictionary (ICU); between any others
    # (punctuation, Latin letters, digits, spaces) the boundary is certain.
    return "\u3041" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _end_strength(line: str, end: int) -> int:
    """How surely a browser sees a word end at ``line[:end]``: 0 certain, 1 likely, 2 Sudachi only."""
    if end == len(line) or not (_is_kana_or_kanji(line[end - 1]) and _is_kana_or_kanji(line[end])):
        return 0
    # Before a kanji or katakana word dictionaries agree; between kana (として, ている) they may not.
    return 1 if not "\u3041" <= line[end] <= "\u309f" else 2


def anchor_text(text: str, source: str) -> str:
    """A short start of ``text``'s first line (12+ chars) that ends a word and occurs once on the page.

    Citation links point the browser at these words (a ``#:~:text=`` fragment), so they must be
    unique on the article page (the text without link markers) and must end where the browser sees
    a word end: Chromium ignores a fragment that stops inside a word (…デジ, …点と of 点として) and
    the link opens the top of the article. Word ends come from SudachiPy; the surest kind wins.
    """
    first_line = text.strip().split("\n", 1)[0]
    for marker in NOT_ON_PAGE:
        first_line = first_line.split(marker, 1)[0]
    first_line = first_line.strip()
    page = "".join(ch for ch in source if ch not in NOT_ON_PAGE)
    ends = [end for end in word_ends(first_line) if end >= MIN_ANCHOR and not first_line[end - 1].isspace()]
    for strength, longest in ((0, SHORT_ANCHOR), (1, SHORT_ANCHOR), (2, MAX_ANCHOR)):
        for end in ends:
            if end <= longest and _end_strength(first_line, end) <= strength and page.count(first_line[:end]) == 1:
                return first_line[:end]
    return first_line


def make_passages(article: Article) -> list[Passage]:
    """All passages of an article in reading order: narration runs and exchanges."""
    items: list[tuple[int, Passage]] = []
    publisher = article.meta.publisher or PUBLISHER
    for run in article.narration:
        items.append((run.start, Passage(
            id=passage_id(article.id, run.start, run.text), article_id=article.id, kind="narration",
            section=run.section, speaker=publisher, question="", text=run.text,
            start=run.start, end=run.end, question_start=run.start, question_end=run.start,
            anchor=anchor_text(run.text, article.source),
        )))
    for question, answers in exchanges(article):
        first, last = answers[0], answers[-1]
        text = article.source[first.start : last.end]
        speakers = dict.fromkeys(turn.speaker for turn in answers if turn.role == "staff")
        items.append((first.start, Passage(
            id=passage_id(article.id, first.start, text), article_id=article.id, kind="exchange",
            section=first.section, speaker="、".join(speakers),
            question=question.text if question else "", text=text,
            start=first.start, end=last.end,
            question_start=question.start if question else first.start,
            question_end=question.end if question else first.start,
            anchor=anchor_text(text, article.source),
        )))
    return [passage for _, passage in sorted(items, key=lambda item: item[0])]


def is_reaction(turn: Turn) -> bool:
    """An interviewer's short remark that asks for nothing ("なるほど…!", "すごいですね!")."""
    text = turn.text.strip()
    return turn.role == "interviewer" and len(text) <= REACTION_MAX_CHARS and not ASKING.search(text)


def exchanges(article: Article) -> list[tuple[Turn | None, list[Turn]]]:
    """(question, answer turns) in reading order.

    An answer runs from a staff turn until the interviewers ask something new: staff members who
    answer the same question one after another ("Hさん そうですね。" / "Mさん 令和5年度は…") and the
    interviewers' short reactions between them stay together, so a short remark never stands alone
    beside the real answer. A heading or a narration paragraph also ends an answer.
    """
    turns = article.turns
    narration_starts = [run.start for run in article.narration]

    def joins(previous: Turn, turn: Turn) -> bool:
        return turn.section == previous.section and not any(
            previous.end < start < turn.start for start in narration_starts)

    result: list[tuple[Turn | None, list[Turn]]] = []
    question: Turn | None = None
    i = 0
    while i < len(turns):
        if turns[i].role == "interviewer":
            question = turns[i]
            i += 1
            continue
        answers = [turns[i]]
        i += 1
        while i < len(turns):
            turn = turns[i]
            if turn.role == "staff" and joins(answers[-1], turn):
                answers.append(turn)
                i += 1
            elif (is_reaction(turn) and i + 1 < len(turns) and turns[i + 1].role == "staff"
                  and joins(answers[-1], turn) and joins(turn, turns[i + 1])):
                answers.extend(turns[i : i + 2])
                i += 2
            else:
                break
        result.append((question, answers))
    return result


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
