"""Stage 4b: BM25 over Japanese text (bm25s), with NFKC normalisation and a Japanese tokenizer.

Tokenizers (chosen by measurement, see docs/measurements.md):
- ``sudachi``: SudachiPy with sudachidict_core, mode B, normalised forms (so 申し込み/申込 and
  ウェブ/web meet), content words only. The default: best MRR in the hybrid.
- ``unidic``: fugashi (MeCab) with the unidic-lite dictionary from PyPI; content words only,
  verbs and adjectives reduced to their dictionary form.
- ``bigram``: character bigrams, no dictionary.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import bm25s
import numpy as np

from ..errors import IndexStoreError
from ..ingest.text import sudachi
from .vocabulary import english_stems

# bm25s sets its own logger to DEBUG, which prints build chatter once an app configures logging.
logging.getLogger("bm25s").setLevel(logging.WARNING)

DEFAULT_TOKENIZER = "sudachi"
ENGLISH_TOKENIZER = "english"
# Parts of speech that carry no topic: particles, auxiliaries, symbols, blanks.
SKIP_POS = ("助詞", "助動詞", "補助記号", "記号", "空白", "接頭辞")
STOPWORDS = frozenset(
    "する いる ある なる れる られる こと もの よう ため これ それ あれ どれ この その どの 何 "
    "ない です ます the a an of to is are do does what how why when who which in on for at it "
    "and or be can with was were there this that".split()
)
PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


_per_thread = threading.local()


def _mecab():
    # Like Sudachi (text.py): a tagger per thread, since the web server searches from many threads.
    tagger = getattr(_per_thread, "mecab", None)
    if tagger is None:
        import fugashi

        tagger = _per_thread.mecab = fugashi.Tagger()
    return tagger




def _unidic_tokens(text: str) -> list[str]:
    tokens = []
    for word in _mecab()(normalize(text)):
        feature = word.feature
        if feature.pos1 in SKIP_POS:
            continue
        base = feature.orthBase if feature.pos1 in ("動詞", "形容詞") and feature.orthBase else word.surface
        base = normalize(base)
        if base and base not in STOPWORDS and PUNCT.sub("", base):
            tokens.append(base)
    return tokens


def _sudachi_tokens(text: str) -> list[str]:
    from sudachipy import SplitMode

    tokens = []
    for morpheme in sudachi().tokenize(normalize(text), SplitMode.B):
        if morpheme.part_of_speech()[0] in SKIP_POS:
            continue
        base = normalize(morpheme.normalized_form())
        if base and base not in STOPWORDS and PUNCT.sub("", base):
            tokens.append(base)
    return tokens


def _bigram_tokens(text: str) -> list[str]:
    compact = PUNCT.sub("", normalize(text))
    if len(compact) < 2:
        return [compact] if compact else []
    return [compact[i : i + 2] for i in range(len(compact) - 1)]


TOKENIZERS: dict[str, Callable[[str], list[str]]] = {
    "unidic": _unidic_tokens,
    "sudachi": _sudachi_tokens,
    "bigram": _bigram_tokens,
    # English questions against the passages' English glosses (vocabulary.passage_english).
    ENGLISH_TOKENIZER: english_stems,
}


def tokenizer(name: str) -> Callable[[str], list[str]]:
    try:
        return TOKENIZERS[name]
    except KeyError:
        raise IndexStoreError(f"unknown tokenizer {name!r}; choose one of {sorted(TOKENIZERS)}") from None


class LexicalIndex:
    """BM25 scores of a question against every document. Read-only after building: thread-safe."""

    def __init__(self, model: bm25s.BM25, tokenizer_name: str) -> None:
        self._model = model
        self.tokenizer_name = tokenizer_name
        self._tokenize = tokenizer(tokenizer_name)

    @classmethod
    def from_tokens(cls, tokens: Sequence[list[str]], tokenizer_name: str = DEFAULT_TOKENIZER) -> LexicalIndex:
        """Index documents already cut by the tokenizer ``tokenizer_name`` (e.g. reused ones)."""
        model = bm25s.BM25()
        model.index(list(tokens), show_progress=False)
        return cls(model, tokenizer_name)

    def scores(self, question: str, words: Sequence[str] | None = None) -> np.ndarray:
        """BM25 score per document, in document order (zeros when no word matches).

        ``words``: the question already cut by :meth:`tokens`, so that a caller needing both does not
        tokenize it twice."""
        vocab = self._model.vocab_dict
        tokens = [t for t in (self._tokenize(question) if words is None else words) if t in vocab]
        n_docs = int(self._model.scores["num_docs"])
        if not tokens:
            return np.zeros(n_docs, dtype=np.float32)
        return np.asarray(self._model.get_scores(tokens), dtype=np.float32)

    def presence(self, words: Sequence[str]) -> np.ndarray:
        """Which documents contain each of ``words`` (distinct, already cut): one boolean row per word."""
        vocab = self._model.vocab_dict
        distinct = list(dict.fromkeys(words))
        rows = np.zeros((len(distinct), int(self._model.scores["num_docs"])), dtype=bool)
        for row, word in enumerate(distinct):
            if word in vocab:
                rows[row] = np.asarray(self._model.get_scores([word])) > 0
        return rows

    def tokens(self, text: str) -> list[str]:
        return self._tokenize(text)

    @property
    def vocabulary(self) -> dict[str, int]:
        """Every word of the indexed passages (as the tokenizer writes it), with its column."""
        return self._model.vocab_dict

    def save(self, directory: Path) -> None:
        self._model.save(str(directory), allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, directory: Path, tokenizer_name: str) -> LexicalIndex:
        model = bm25s.BM25.load(str(directory), allow_pickle=False, show_progress=False)
        return cls(model, tokenizer_name)
