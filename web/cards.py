"""HTML for the chat: reply cards, short messages, the reader's own question, the article list.

Everything that came from a question or an article goes through ``html.escape`` here and nowhere
else. A card is one line of HTML, so the Chatbot's Markdown renderer passes it through untouched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from types import MappingProxyType
from urllib.parse import urlencode

from retrieval import MAX_QUESTION_CHARS, Answer, Retriever, as_on_page, safe_url

# The card's limits and labels, for the page, /embed and the widget alike (the widget fetches
# them as JSON from /api/card: see ``widget_config``).
RELATED = 3  # more answers under the best one
RELATED_MIN_SCORE = 0.25  # below this a "related" answer is noise, not related
ARTICLES_OPEN = 5  # the start screen lists up to this many articles open; more are collapsed under their count
TITLE = "せたがやDXインタビュー Q&A"
# What the page and the widget say they answer from (intro_text names the department when there is one).
INTRO_TEMPLATE = "{who}の職員インタビュー記事から、職員ご本人の言葉をそのまま引用して答えます(文章は生成しません)。"
INTRO = INTRO_TEMPLATE.format(who="世田谷区")
DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "ja": MappingProxyType({
        "asked": "聞き手の質問", "source": "出典", "match": "一致度", "high": "高", "mid": "中", "low": "低",
        "related": "関連する回答", "alike": "同じくらい近いほかの回答", "narration": "記事本文",
        "published": "{year}年{month}月{day}日",
        "read_as": "『{topic}』についての質問として検索しました",
        "not_found": "記事の中には、この質問に答えている箇所が見つかりませんでした。",
        "try": "記事が答えている質問の例:", "nearby": "記事が答えている質問(あなたの質問に近い順):",
        "examples": "たとえば、こんなことを聞けます:",
        "open": "DXについて質問する", "title": TITLE, "close": "閉じる", "intro": INTRO, "label": "質問",
        "placeholder": "例: DX推進リーダーって何をする人?", "send": "質問する", "searching": "検索しています…",
        "rate_limited": "短い時間に質問が続きました。少し待ってからもう一度お試しください。",
        "permalink": "この回答へのリンク",
        "helpful": "役に立った", "not_helpful": "役に立たなかった",
        "thanks": "ありがとうございます。編集部の参考にします。",
        "empty": "質問を入力してください。",
        "too_long": f"質問が長すぎます。{MAX_QUESTION_CHARS}文字以内で入力してください。",
        "no_words": "文字で質問してください(絵文字や記号だけでは検索できません)。",
        "invalid": "この質問は検索できませんでした。言い方を変えてお試しください。",
        "failed": "申し訳ありません。いまは回答を表示できません。しばらくしてからもう一度お試しください。",
    }),
    "en": MappingProxyType({
        "asked": "Interviewer's question", "source": "Source", "match": "Match", "high": "high", "mid": "medium",
        "low": "low", "related": "Related answers", "alike": "Other answers that match about as well",
        "narration": "Article text", "published": "{year}-{month}-{day}",
        "read_as": 'Searched as a question about "{topic}"',
        "not_found": "The articles do not contain an answer to this question.",
        "try": "Questions the articles do answer:", "nearby": "Questions the articles answer, nearest to yours first:",
        "examples": "For example, you can ask:",
        "open": "Ask about DX", "title": TITLE, "close": "Close", "intro": INTRO, "label": "Question",
        "placeholder": "e.g. What does a DX leader do?", "send": "Ask", "searching": "Searching…",
        "rate_limited": "Too many questions in a short time. Please wait a moment and try again.",
        "permalink": "Link to this answer",
        "helpful": "Helpful", "not_helpful": "Not helpful", "thanks": "Thank you. The editors will see it.",
        "empty": "Please type a question.",
        "too_long": f"The question is too long. Please keep it under {MAX_QUESTION_CHARS} characters.",
        "no_words": "Please ask with words (emoji or symbols alone cannot be searched).",
        "invalid": "This question cannot be searched. Please try wording it differently.",
        "failed": "Sorry, no answer can be shown right now. Please try again later.",
    }),
})


def _text(value: str) -> str:
    return escape(as_on_page(value)).replace("\n", "<br>")


def _confidence(score: float, level: str, words: Mapping[str, str]) -> str:
    return f"{words['match']}: {words[level]} ({round(score * 100)}%)"


def published_label(published: str | None, words: Mapping[str, str]) -> str:
    """「2024年3月15日」 for ``"2024-03-15..."``; "" when the date is not known."""
    found = DATE.match(published or "")
    if not found:
        return ""
    year, month, day = found.groups()
    return words["published"].format(year=year, month=int(month), day=int(day))


def _quote(answer_: Answer, number: int, words: Mapping[str, str]) -> str:
    hit = answer_.hits[number]
    body = "".join(f"<mark>{_text(s.text)}</mark>" if s.marked else _text(s.text) for s in answer_.quotes[number])
    speaker = escape(hit.speaker) if hit.speaker else words["narration"]
    if hit.kind == "narration":  # the article's own text, written by the publisher, not the department
        who = f"<b>{speaker}</b>({words['narration']})" if hit.speaker else f"<b>{speaker}</b>"
    else:
        who = f"<b>{speaker}</b>" + (f"({escape(hit.department)})" if hit.department else "")
    parts = [f'<blockquote class="quote">{body}</blockquote>', f'<div class="meta who">— {who}</div>']
    if hit.question:
        parts.append(f'<div class="meta asked">{words["asked"]}: 「{_text(hit.question)}」</div>')
    title = escape(hit.article_title)
    url = safe_url(hit.url)
    link = (f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{title}</a>'
            if url else title)
    date = published_label(hit.published, words)
    date = f' <span class="date">({escape(date)})</span>' if date else ""
    parts.append(f'<div class="meta source">{words["source"]}: {link}{date}</div>')
    parts.append(f'<div class="meta match match-{hit.level}">{_confidence(hit.score, hit.level, words)}</div>')
    return "".join(parts)


def offered_questions(answer_: Answer, examples: Sequence[str]) -> tuple[str, ...]:
    """What a "not found" reply offers: the questions near this one that the articles answer
    (``answer_.suggestions``), else ``examples``; nothing when the articles answer."""
    if answer_.answered and answer_.hits:
        return ()
    return answer_.suggestions or tuple(examples)


def render_answer(answer_: Answer, examples: Sequence[str], listed: bool = True) -> str:
    """The reply card (HTML, one line): the best quote, or a plain "not in the articles".

    When not answered the card introduces the questions it offers (:func:`offered_questions`) and
    lists them (``listed``); the page offers them as buttons instead, so that the reader does not see
    the same questions twice.
    """
    words = LABELS["en" if answer_.english else "ja"]
    read_as = (f'<p class="read-as">{escape(words["read_as"].format(topic=answer_.read_as))}</p>'
               if answer_.read_as else "")
    if not answer_.answered or not answer_.hits:
        offered = ""
        if questions := offered_questions(answer_, examples):
            offered = f'<p class="offered">{words["nearby" if answer_.suggestions else "try"]}</p>'
            if listed:
                offered += "<ul>" + "".join(f"<li>{escape(q)}</li>" for q in questions) + "</ul>"
        return f'<div class="card not-found">{read_as}<p><b>{words["not_found"]}</b></p>{offered}</div>'
    more = [i for i, hit in enumerate(answer_.hits[: RELATED + 1]) if i > 0 and hit.score >= RELATED_MIN_SCORE]
    related = "".join(f'<div class="related-answer">{_quote(answer_, i, words)}</div>' for i in more)
    if related:  # open when another answer fits about as well as the first (the first may not be the one)
        opened, label = (" open", words["alike"]) if answer_.result.ambiguous else ("", words["related"])
        related = f'<details class="related"{opened}><summary>{label} ({len(more)})</summary>{related}</details>'
    share = (f'<div class="meta share"><a href="{escape(permalink_path(answer_.searched), quote=True)}" '
             f'target="_blank" rel="noopener">{words["permalink"]}</a></div>')
    return f'<div class="card answer">{read_as}{_quote(answer_, 0, words)}{share}{related}</div>'


def permalink_path(question: str) -> str:
    """The answer's permalink relative to the app (``a?q=...``; web/share.py serves it)."""
    return f"a?{urlencode({'q': question})}"


def intro_text(retriever: Retriever) -> str:
    """The introduction for the articles being served: it names their department when they share one
    (the shipped article alone), and stays general once the series covers several."""
    departments = {a.department for a in retriever.articles if a.department}
    return INTRO_TEMPLATE.format(who=f"世田谷区 {departments.pop()}") if len(departments) == 1 else INTRO


def widget_config(examples: Sequence[str], intro: str = INTRO) -> dict:
    """What the widget and /embed need to show the same card as the page: labels, limits, examples."""
    return {"labels": {**LABELS["ja"], "intro": intro}, "examples": list(examples),
            "limits": {"k": 1 + RELATED, "related": RELATED, "related_min_score": RELATED_MIN_SCORE,
                       "max_chars": MAX_QUESTION_CHARS}}


def render_message(key: str, english: bool) -> str:
    """A short message card, e.g. ``render_message("empty", False)`` → 「質問を入力してください。」."""
    return f'<div class="card message"><p>{LABELS["en" if english else "ja"][key]}</p></div>'


def render_question(question: object) -> str:
    """The reader's own question as shown in the chat: text, never markup."""
    text = question if isinstance(question, str) else ""
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS] + "…"
    return f'<div class="asked-text">{escape(text)}</div>'


def articles_html(retriever: Retriever) -> str:
    """The start screen's list of indexed articles, each linking to its page; a long list (a grown
    series) is collapsed under its count, so that it does not run on below the chat."""
    articles = retriever.articles
    items = "".join(
        f'<li><a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(a.title)}</a></li>'
        if (url := safe_url(a.url)) else f"<li>{escape(a.title)}</li>"
        for a in articles
    )
    shown = " open" if len(articles) <= ARTICLES_OPEN else ""
    return (f'<details id="articles"{shown}><summary><b>検索対象の記事 ({len(articles)})</b></summary>'
            f"<ul>{items}</ul></details>")
