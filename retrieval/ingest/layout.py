"""What a line of the series' text is: the title's parts, speaker names, heading shapes, ornaments.

Pure functions on strings, shared by the parser (articles.py) and by the import of web pages
(sources.py). Which line *is* a heading also depends on its neighbours; that part lives in the
parser, which sees the whole article.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# The series' blog. An article that names it is published by it.
PUBLISHER = "ねつせた!"
PUBLISHER_MENTION = re.compile(r"ねつせた[!！]")

# The series writes "区役所職員にインタビュー! ―保育部 保育課 前編―" with ― (U+2015), but also ─ (U+2500)
# and other dashes; any of them opens the department part of the title.
DASHES = "―─━—–‐－-"
TITLE = re.compile(rf"^(?P<series>[^{DASHES}]*?)\s*[{DASHES}]+\s*(?P<body>[^{DASHES}]+?)\s*(?:[{DASHES}]|$)")
PART = re.compile(r"[(（【\[]?(前編|中編|後編)[)）】\]]?")

STAFF_NAME = re.compile(r"^(?:[A-ZＡ-Ｚ]{1,3}|[一-龥]{1,4})\s?さん$")
SPEAKER_LINE = re.compile(r"^(?P<name>[^\s、。「」()（）!?！？:：]{1,12})[ \u3000](?P<words>\S.*)$")
QUOTED_NAME = re.compile(r"「([^「」\s]{1,10})」")
# Interviewers who sign with initials: "ねつせた!メンバーのS.TとY.Kがインタビューしました".
INITIALS = re.compile(r"(?<![A-Za-zＡ-Ｚａ-ｚ])[A-ZＡ-Ｚ][.．・][A-ZＡ-Ｚ][.．]?(?![A-Za-zＡ-Ｚａ-ｚ])")
# Who interviewed is said in the intro: "ねつせた!メンバーの「りお」「さとぽん」が、…", "聞き手は…"; the
# names stand between such a word and the end of the clause (a 、 that does not open another 「name」).
MEMBER_CLAUSE = re.compile(r"(?:メンバー|インタビュアー|聞き手)(?P<names>(?:[^、。]|、(?=「))*)")

# Lines that stand for something that is not text on the page, or that only point elsewhere:
# "画像1" (a photo), "(写真:窓口で説明するHさん)" or "▲窓口で説明するHさん" (its caption),
# "(文・写真:S.T)" (a credit), "前編はこちら" / "中編はこちら🔗" (a link). They never head a section
# or speak.
OPEN, CLOSE = r"[\[［(（【]", r"[\]］)）】]"
IMAGE = re.compile(rf"^{OPEN}?(?:画像|写真|図|イメージ)\s*[0-9０-９]*{CLOSE}?$")
CAPTION = re.compile(rf"^(?:{OPEN}\s*(?:写真|画像|撮影|文|出典|図|提供|取材)[^()（）【】\[\]［］]*{CLOSE}$|[▲△↑])")
CREDIT = re.compile(r"^(?:文|写真|撮影|取材|編集)(?:[・/／](?:文|写真|撮影|取材|編集))*\s*[:：]")
LINK = re.compile(r"^(?:[^。]{0,80}こちら\s*🔗?\s*(?:から)?\s*[!！。]?|https?://\S+)$")

SENTENCE_END = "。．.!?！？…」』)）〜~ー♪"
HEADING_MAX_CHARS = 40
QUESTION_MARKS = "?？"
# Marks that a sentence may have as well as a heading (「保育園の申し込み、何が変わった?」): a line
# with them is a heading only where a heading stands (see articles.py).
SENTENCE_MARKS = "?？、「」『』"


@dataclass(frozen=True)
class TitleParts:
    """The parts of a series title: ``series ―department part―``; empty strings when absent."""

    series: str
    department: str
    part: str  # 前編 / 中編 / 後編


def title_parts(title: str) -> TitleParts:
    """Split "区役所職員にインタビュー! ─保育部 保育課 前編─" into series, department and part."""
    title = title.strip()
    part_match = PART.search(title)
    part = part_match[1] if part_match else ""
    match = TITLE.match(title)
    if not match:
        return TitleParts("", "", part)
    department = " ".join(PART.sub(" ", match["body"]).split())
    return TitleParts(match["series"].strip(), department, part)


def is_ornament(text: str) -> bool:
    """An image placeholder, a photo caption or credit, or a bare link line."""
    text = text.strip()
    return any(pattern.match(text) for pattern in (IMAGE, CAPTION, CREDIT, LINK))


def heading_shape(text: str) -> bool:
    """Short enough and punctuated like a heading: no 。, not ending like a sentence (a question
    mark or a closing 」 is allowed), not an ornament. Where it stands is checked by the parser."""
    text = text.strip()
    if not text or len(text) > HEADING_MAX_CHARS or "。" in text or is_ornament(text):
        return False
    last = text[-1]
    if last in QUESTION_MARKS or (last in "」』" and "「" in text):
        return True
    return last not in SENTENCE_END and unicodedata.category(last) != "So"


def is_plain_heading(text: str) -> bool:
    """Heading-shaped and free of the marks a sentence could also have."""
    return heading_shape(text) and not any(mark in text for mark in SENTENCE_MARKS)


def line_speaker(text: str) -> tuple[str, int] | None:
    """(name, offset of the words) when the line starts with a name and a space, else None."""
    match = SPEAKER_LINE.match(text)
    if not match or is_ornament(text):
        return None
    return match["name"], match.start("words")


def is_staff(name: str) -> bool:
    """Ward staff are an initial (half- or full-width) or a surname, then さん: "Hさん", "Ｈさん"."""
    return STAFF_NAME.match(name) is not None


def member_clauses(lines: Iterable[str]) -> list[str]:
    """The parts of the lines that name the members who interviewed ("の「りお」「さとぽん」が")."""
    return [match["names"] for line in lines for match in MEMBER_CLAUSE.finditer(line)]


def named_members(lines: Iterable[str]) -> set[str]:
    """Names written in 「」 or as initials where the lines say who interviewed."""
    names: set[str] = set()
    for clause in member_clauses(lines):
        names.update(QUOTED_NAME.findall(clause))
        names.update(INITIALS.findall(clause))
    return names


def interviewer_names(lines: list[str]) -> set[str]:
    """The interviewers of an article, from its intro and from who speaks.

    The intro names them in 「」, as initials, or plainly after "メンバーの" ("メンバーのみおとたく
    が…"): a name that opens a turn and is written on such a line is an interviewer. A non-staff
    name that opens two or more lines is one too, even if the intro does not say so.
    """
    starts = Counter(speaker[0] for line in lines if (speaker := line_speaker(line)))
    candidates = {name for name in starts if not is_staff(name)}
    first_turn = next((i for i, line in enumerate(lines)
                       if (speaker := line_speaker(line)) and (is_staff(speaker[0]) or starts[speaker[0]] >= 2)),
                      len(lines))
    intro = lines[:first_turn]
    clauses = member_clauses(intro)
    names = {name for name in named_members(intro) if not is_staff(name)}
    names.update(name for name in candidates if any(name in clause for clause in clauses))
    names.update(name for name in candidates if starts[name] >= 2 and len(name) <= 8)
    return names
