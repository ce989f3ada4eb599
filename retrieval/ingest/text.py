"""Japanese text, shared by every stage: the one sentence splitter, and SudachiPy's words."""

from __future__ import annotations

import threading
from functools import lru_cache

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


_per_thread = threading.local()


@lru_cache(maxsize=1)
def _sudachi_dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")


def sudachi():
    """This thread's SudachiPy tokenizer (core dictionary)."""
    # A Sudachi tokenizer refuses concurrent use, and the web server searches from many threads:
    # one tokenizer per thread, all sharing the one (memory-mapped) dictionary.
    tokenizer = getattr(_per_thread, "sudachi", None)
    if tokenizer is None:
        tokenizer = _per_thread.sudachi = _sudachi_dictionary().tokenizer()
    return tokenizer


def word_ends(text: str) -> list[int]:
    """Offsets in ``text`` where a word ends (SudachiPy, mode C: the longest units), ascending.

    Browsers match a text fragment only when it ends at a word boundary; ending where Sudachi's
    longest unit ends keeps the fragment from stopping inside a word (…デジ, …DX推進リ).
    """
    from sudachipy import SplitMode

    # Sudachi's offsets are in characters of the text it was given: tokenize the text as is.
    return sorted({m.end() for m in sudachi().tokenize(text, SplitMode.C)} - {0})


def noun_phrases(text: str) -> list[str]:
    """Runs of consecutive nouns in ``text``, as written (e.g. 「DX推進リーダー」 in 「DX推進リーダーって何?」)."""
    from sudachipy import SplitMode

    phrases, current = [], ""
    for morpheme in sudachi().tokenize(text, SplitMode.C):
        pos = morpheme.part_of_speech()
        if pos[0] == "名詞" and pos[1] != "代名詞" or (current and pos[0] == "接尾辞"):
            current += morpheme.surface()
        else:
            if current:
                phrases.append(current)
            current = ""
    return [*phrases, current] if current else phrases
