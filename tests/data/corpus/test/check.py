"""Check the held-out test split of the fixture corpus (stdlib only).

Run from the repository root: ``python tests/data/corpus/test/check.py``.
Prints one line per problem and a count table; exits 1 when anything is wrong.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
SPLIT_DIR = Path(__file__).resolve().parent
CORPUS = SPLIT_DIR.parent
ARTICLES = ["toshokan", "mynumber", "bousai", "sumaho-kyoshitsu", "shisetsu-yoyaku"]
INTRO = [
    "皆さんは区役所と聞いて、どんな職場を想像しますか…?",
    "窓口で手続きをする場所、というイメージが強いかもしれませんね。",
    "そこで、ねつせた!では、世田谷区役所で働く職員の皆さんにお話を聞く企画を続けています🍀",
]
OUTRO_2 = "ねつせた!では、これからも区役所のいろいろな部署の職員の皆さんを紹介していきます。次回もお楽しみに!"
FOOTER = "この記事が気に入ったらサポートをしてみませんか?"
STAFF = re.compile(r"^([A-ZＡ-Ｚ]さん) ")
# Reserved topics: the unanswerable questions rely on no article mentioning these words.
RESERVED = ["住民票", "戸籍", "印鑑", "婚姻", "パスポート", "国民健康保険", "年金", "介護保険",
            "区営住宅", "犬", "ペット", "選挙", "投票", "駐輪", "自転車", "プール", "体育館",
            "バーベキュー", "予防接種", "健診", "健康診断", "粗大ごみ", "駐車場", "人口", "区長",
            "観光", "お祭り", "花火", "水道", "引っ越し", "転入", "転出", "建て替え", "保険証"]
REQUIRED = {"q", "gold", "article", "lang"}
META_KEYS = {"title", "url", "publisher", "series", "department", "language", "published", "fictional"}

problems: list[str] = []


def problem(msg: str) -> None:
    """Record one problem."""
    problems.append(msg)


def interviewers(lines: list[str]) -> set[str]:
    """Interviewer names as the intro introduces them: 「みお」 nicknames or S.T initials."""
    intro = "\n".join(lines[:12])
    names = set(re.findall(r"「([^」]{1,6})」", intro))
    names |= set(re.findall(r"[A-Z]\.[A-Z]", intro))
    return names


def regions(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Split an article into intro narration, staff-turn text and the rest.

    A staff turn is a line starting with an initial + さん and its continuation lines: lines
    that begin with a half-width space or that end like a sentence (。), up to the next speaker.
    """
    names = interviewers(lines)
    intro: list[str] = []
    staff: list[str] = []
    other: list[str] = []
    in_staff = False
    seen_turn = False
    for line in lines[1:]:
        first = line.split(" ", 1)[0]
        if STAFF.match(line):
            in_staff, seen_turn = True, True
            staff.append(line)
        elif first in names and " " in line:
            in_staff, seen_turn = False, True
            other.append(line)
        elif in_staff and (line.startswith(" ") or line.endswith("。")):
            staff.append(line)
        else:
            in_staff = False
            (other if seen_turn else intro).append(line)
    return intro, staff, other


def check_article(aid: str, all_texts: dict[str, str]) -> dict[str, int]:
    """Check one article's layout and metadata; return its counts."""
    text = all_texts[aid]
    lines = text.split("\n")
    meta = json.loads((SPLIT_DIR / f"{aid}.json").read_text(encoding="utf-8"))
    if set(meta) != META_KEYS:
        problem(f"{aid}.json keys {sorted(meta)}")
    if meta.get("fictional") is not True or meta.get("publisher") != "ねつせた!":
        problem(f"{aid}.json fictional/publisher")
    if not str(meta.get("url", "")).startswith("https://note.com/netsuseta/n/"):
        problem(f"{aid}.json url")
    if meta.get("title") != lines[0]:
        problem(f"{aid}.json title differs from line 1")
    if lines[1:4] != INTRO:
        problem(f"{aid}: boilerplate intro is not lines 2-4")
    if lines[-1] != FOOTER:
        problem(f"{aid}: last line is not the footer")
    if f"以上、{lines[0]}でした。" not in lines or OUTRO_2 not in lines:
        problem(f"{aid}: outro missing")
    if not 3500 <= len(text) <= 7000:
        problem(f"{aid}: {len(text)} characters")
    for word in RESERVED:
        if word in text:
            problem(f"{aid}: reserved topic word {word!r}")
    if any(not line.strip() for line in lines):
        problem(f"{aid}: empty line")
    _, staff, _ = regions(lines)
    turns = sum(1 for line in staff if STAFF.match(line))
    if turns < 15:
        problem(f"{aid}: only {turns} staff turns")
    return {"chars": len(text), "turns": turns}


def check_questions(all_texts: dict[str, str], elsewhere: str) -> dict[str, dict[str, int]]:
    """Check the answerable questions of the written articles and their gold strings.

    ``elsewhere`` is the text of the seeds and other fixtures, where no gold may occur.
    """
    counts = {aid: {"q": 0, "en": 0, "about": 0} for aid in all_texts}
    split = {aid: regions(text.split("\n")) for aid, text in all_texts.items()}
    seen: set[str] = set()
    path = CORPUS / "test_questions.jsonl"
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        rec = json.loads(raw)
        where = f"questions:{n}"
        if not REQUIRED <= set(rec) <= REQUIRED | {"about"}:
            problem(f"{where}: keys {sorted(rec)}")
            continue
        aid, q = rec["article"], rec["q"]
        if aid not in all_texts or rec["lang"] not in ("ja", "en") or not q.strip():
            problem(f"{where}: article/lang/q invalid")
            continue
        if q in seen:
            problem(f"{where}: duplicate question")
        seen.add(q)
        if rec["lang"] == "en" and re.search(r"[぀-ヿ一-龥]", q):
            problem(f"{where}: English question contains Japanese")
        if rec["lang"] == "ja" and not re.search(r"[぀-ヿ一-龥]", q):
            problem(f"{where}: Japanese question without Japanese")
        about = rec.get("about")
        if about not in (None, "article"):
            problem(f"{where}: about={about!r}")
        counts[aid]["q"] += 1
        counts[aid]["en"] += rec["lang"] == "en"
        counts[aid]["about"] += about == "article"
        golds = rec["gold"]
        if not isinstance(golds, list) or not golds:
            problem(f"{where}: gold must be a non-empty list")
            continue
        intro, staff, _ = split[aid]
        for g in golds:
            if not 8 <= len(g) <= 25:
                problem(f"{where}: gold {g!r} has {len(g)} characters")
            if all_texts[aid].count(g) != 1:
                problem(f"{where}: gold {g!r} occurs {all_texts[aid].count(g)} times in {aid}")
            region = intro if about == "article" else staff
            if not any(g in line for line in region):
                problem(f"{where}: gold {g!r} not inside {'the intro' if about else 'a staff turn'}")
            if g in elsewhere:
                problem(f"{where}: gold {g!r} occurs in seeds or another fixture")
            for other, text in all_texts.items():
                if other != aid and g in text:
                    problem(f"{where}: gold {g!r} also occurs in {other}")
    return counts


def check_oos() -> dict[str, int]:
    """Check the unanswerable questions' fields and counts."""
    counts = {"total": 0, "ja_ward": 0, "en": 0, "en_ward": 0, "en_offtopic": 0}
    seen: set[str] = set()
    path = CORPUS / "test_oos.jsonl"
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        rec = json.loads(raw)
        valid = set(rec) == {"q", "lang", "kind"} and rec["lang"] in ("ja", "en")
        if not valid or rec["kind"] not in ("ward", "offtopic"):
            problem(f"oos:{n}: invalid record {rec}")
            continue
        if rec["q"] in seen:
            problem(f"oos:{n}: duplicate")
        seen.add(rec["q"])
        counts["total"] += 1
        if rec["lang"] == "ja" and rec["kind"] == "ward":
            counts["ja_ward"] += 1
        if rec["lang"] == "en":
            counts["en"] += 1
            counts["en_" + rec["kind"]] += 1
    if counts["total"] < 42 or counts["ja_ward"] < 21 or counts["en"] < 21:
        problem(f"oos counts {counts}")
    if not counts["en_ward"] or not counts["en_offtopic"]:
        problem("oos: English needs both ward and offtopic questions")
    return counts


def main() -> int:
    """Run every check present so far (articles not yet written are reported)."""
    seeds = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    # Other fixture texts (the DX 中編, the tune split when present) must not hold our gold either.
    others = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "data").rglob("*.txt")
              if p.parent != SPLIT_DIR}
    present = [a for a in ARTICLES if (SPLIT_DIR / f"{a}.txt").exists()]
    for a in ARTICLES:
        if a not in present:
            problem(f"{a}: not written yet")
    texts = {a: (SPLIT_DIR / f"{a}.txt").read_text(encoding="utf-8").rstrip("\n") for a in present}
    art_counts = {a: check_article(a, texts) for a in present}
    q_counts = check_questions(texts, seeds + "\n" + "\n".join(others.values()))
    print(f"{'article':18} chars turns  q  en about")
    for a in present:
        c, q = art_counts[a], q_counts[a]
        print(f"{a:18} {c['chars']:5} {c['turns']:5} {q['q']:3} {q['en']:3} {q['about']:3}")
        if q["q"] < 20 or q["en"] < 6 or q["about"] != 2:
            problem(f"{a}: question counts {q}")
    if (CORPUS / "test_oos.jsonl").exists():
        print("oos", check_oos())
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
