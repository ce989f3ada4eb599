"""Stage 1: read an interview article and split it into narration, headings and speaker turns.

The series' plain-text format: line 1 is the title, then intro paragraphs, then turns written as
``NAME words...`` (``さとぽん まず、...`` / ``Oさん 令和3年度に...`` / ``S.T 入園の...``). A line
without a speaker name continues the previous turn (some parts indent such lines with a space), or
is a section heading when it is short and stands right before a turn (see :mod:`.layout` for what
each kind of line looks like). Photo placeholders, captions and bare link lines are skipped. The
last line is the blog platform's footer. Offsets always point into the article text exactly as
stored, so every quote can be checked against the source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import ArticleError
from .layout import heading_shape, interviewer_names, is_ornament, is_plain_heading, is_staff, line_speaker

Role = Literal["interviewer", "staff"]

MAX_ARTICLE_BYTES = 5_000_000
FOOTER_PREFIXES = ("この記事が気に入ったら",)
# Lines that open the closing narration after the last exchange ("以上、...でした。", "次回も...").
OUTRO_PREFIXES = ("以上、", "以上で", "次回")


@dataclass(frozen=True)
class Turn:
    """One speaker's words: ``text`` is ``source[start:end]``, continuation lines included."""

    speaker: str
    role: Role
    section: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Narration:
    """A run of narration paragraphs (the intro or the outro), verbatim."""

    kind: Literal["intro", "narration", "outro"]
    section: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ArticleMeta:
    """Where an article comes from. ``published`` stays ``None`` unless the source states it."""

    title: str = ""
    url: str = ""
    publisher: str = ""
    series: str = ""
    department: str = ""
    language: str = "ja"
    published: str | None = None

    @classmethod
    def from_dict(cls, data: dict) -> ArticleMeta:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        for name, value in known.items():
            if value is not None and not isinstance(value, str):
                raise ArticleError(f"metadata field {name!r} must be text, got {type(value).__name__}")
        return cls(**known)


@dataclass(frozen=True)
class Article:
    """A parsed article: its id (the file stem), metadata, source text and structure."""

    id: str
    meta: ArticleMeta
    source: str
    title: str
    interviewers: tuple[str, ...]
    headings: tuple[str, ...]
    turns: tuple[Turn, ...]
    narration: tuple[Narration, ...] = field(default=())

    @property
    def display_title(self) -> str:
        return self.meta.title or self.title


@dataclass
class _Line:
    start: int
    end: int
    text: str  # without the line break

    @property
    def stripped(self) -> str:
        return self.text.strip()


def _lines(source: str) -> list[_Line]:
    lines, pos = [], 0
    for raw in source.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lines.append(_Line(pos, pos + len(body), body))
        pos += len(raw)
    return lines


def _is_indented(line: _Line) -> bool:
    return line.text[:1] in (" ", "\u3000")


def parse_article(source: str, article_id: str, meta: ArticleMeta | None = None) -> Article:
    """Parse one article. Raises :class:`ArticleError` when it has no title or no staff answer."""
    meta = meta or ArticleMeta()
    lines = _lines(source)
    while lines and not lines[-1].stripped:
        lines.pop()
    if lines and lines[-1].stripped.startswith(FOOTER_PREFIXES):
        lines.pop()
    content = [line for line in lines if line.stripped]
    if not content:
        raise ArticleError(f"{article_id}: the article is empty")
    title_line, body = content[0], content[1:]

    names = interviewer_names([line.text for line in body])
    speakers = [_speaker(line, names) for line in body]
    indented_style = any(_is_indented(line) for line in body)
    turns: list[Turn] = []
    narration: list[Narration] = []
    headings: list[str] = []
    section = ""
    current: dict | None = None  # the open turn or narration run
    seen_staff = False

    def close() -> None:
        nonlocal current
        if current is None:
            return
        start, end = current["start"], current["end"]
        text = source[start:end]
        if current["kind"] == "turn":
            turns.append(Turn(current["speaker"], current["role"], current["section"], start, end, text))
        else:
            narration.append(Narration(current["kind"], current["section"], start, end, text))
        current = None

    def open_narration(kind: str, line: _Line) -> None:
        nonlocal current
        close()
        lead = len(line.text) - len(line.text.lstrip())
        current = {"kind": kind, "section": section, "start": line.start + lead, "end": line.end}

    def starts_section(i: int) -> bool:
        """A heading is short, not indented, and stands right before a speaker turn (photos and
        captions aside). In articles whose continuation lines are not indented, a line between a
        question and a staff answer still belongs to the question, however short it is. A line
        without any mark a sentence could have is also a heading right after a turn (narration
        may follow it)."""
        if _is_indented(body[i]) or not heading_shape(body[i].text):
            return False
        after = next((j for j in range(i + 1, len(body)) if not is_ornament(body[j].text)), None)
        if after is None or speakers[after] is None:
            return is_plain_heading(body[i].text) and current is not None and current["kind"] == "turn"
        asking = current is not None and current.get("role") == "interviewer"
        return indented_style or not (asking and speakers[after][1] == "staff")

    for i, line in enumerate(body):
        who = speakers[i]
        if who:
            close()
            name, role, words_start = who
            seen_staff = seen_staff or role == "staff"
            current = {"kind": "turn", "speaker": name, "role": role, "section": section,
                       "start": words_start, "end": line.end}
            continue
        text = line.stripped
        if is_ornament(text):
            # Photos, captions and links are skipped: they never end, extend or start anything, so
            # they end up inside a quote only when the words around them belong together.
            continue
        if starts_section(i):
            close()
            section = text
            headings.append(text)
            continue
        if seen_staff and text.startswith(OUTRO_PREFIXES):
            open_narration("outro", line)
            continue
        continues = current is not None and (
            not indented_style or _is_indented(line) or current["kind"] != "turn")
        if continues:
            current["end"] = line.end
        else:
            open_narration("narration" if seen_staff else "intro", line)
    close()

    if not any(turn.role == "staff" for turn in turns):
        raise ArticleError(
            f"{article_id}: no answers from ward staff found. Turns must start with the speaker's "
            "name and a space, e.g. 'Oさん 令和3年度に...'"
        )
    return Article(
        id=article_id,
        meta=meta,
        source=source,
        title=title_line.stripped,
        interviewers=tuple(sorted(names)),
        headings=tuple(headings),
        turns=tuple(turns),
        narration=tuple(narration),
    )


def _speaker(line: _Line, interviewers: set[str]) -> tuple[str, Role, int] | None:
    """(name, role, offset of the words in the source) when the line opens a turn."""
    found = line_speaker(line.text)
    if not found:
        return None
    name, words = found
    if is_staff(name):
        return name, "staff", line.start + words
    if name in interviewers:
        return name, "interviewer", line.start + words
    return None


def read_text(path: Path) -> str:
    """Read an article file as UTF-8 text, refusing empty, binary and oversized files."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ArticleError(f"{path}: cannot read the file ({error.strerror})") from None
    if not data.strip():
        raise ArticleError(f"{path}: the file is empty")
    if len(data) > MAX_ARTICLE_BYTES:
        raise ArticleError(f"{path}: the file is larger than {MAX_ARTICLE_BYTES // 1_000_000} MB")
    if b"\x00" in data:
        raise ArticleError(f"{path}: this is a binary file, not an article text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ArticleError(f"{path}: the file is not UTF-8 text; save it as UTF-8") from None
    return text.removeprefix("\ufeff")


def metadata_path(article_path: Path) -> Path:
    return article_path.with_suffix(".json")


def sidecar_meta(path: Path) -> ArticleMeta:
    """The metadata in ``NAME.json`` next to ``NAME.txt`` (empty metadata when there is none)."""
    sidecar = metadata_path(Path(path))
    if not sidecar.is_file():
        return ArticleMeta()
    try:
        data = json.loads(read_text(sidecar))
    except json.JSONDecodeError as error:
        raise ArticleError(f"{sidecar}: invalid JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(data, dict):
        raise ArticleError(f"{sidecar}: metadata must be a JSON object")
    return ArticleMeta.from_dict(data)


def load_article(path: Path) -> Article:
    """Load ``NAME.txt`` and its metadata sidecar ``NAME.json`` (optional) from disk."""
    path = Path(path)
    return parse_article(read_text(path), path.stem, sidecar_meta(path))


def load_seeds(seeds_dir: Path) -> list[Article]:
    """Load every ``*.txt`` article in ``seeds_dir``, sorted by file name."""
    seeds_dir = Path(seeds_dir)
    if not seeds_dir.is_dir():
        raise ArticleError(f"{seeds_dir}: no such folder of articles")
    paths = sorted(seeds_dir.glob("*.txt"))
    if not paths:
        raise ArticleError(f"{seeds_dir}: no article files (*.txt) found")
    return [load_article(path) for path in paths]
