"""Shared text helpers: the one sentence splitter every stage uses."""

from __future__ import annotations

SENTENCE_END = "。!?！？"
CLOSERS = "」』）)】"


def split_sentences(text: str) -> list[str]:
    """``text`` cut after each sentence end or line break; ``"".join(split_sentences(text)) == text``.

    Closing brackets and spaces after a sentence end stay with the sentence they close.
    """
    pieces, start, i = [], 0, 0
    while i < len(text):
        ch = text[i]
        if ch in SENTENCE_END or ch == "\n":
            i += 1
            while i < len(text) and (text[i] in SENTENCE_END or text[i] in CLOSERS or text[i].isspace()):
                i += 1
            pieces.append(text[start:i])
            start = i
        else:
            i += 1
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, whitespace-trimmed, empty ones dropped (each verbatim inside ``text``)."""
    return [piece.strip() for piece in split_sentences(text) if piece.strip()]
