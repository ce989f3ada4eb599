"""The public face of the pipeline: build an index from articles, load it, search it.

``Retriever.load(index_dir).search("質問", k=5).to_dict()`` is exactly what
``python -m retrieval ask --json`` prints. A loaded retriever is read-only and can serve many
threads at once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import IndexStoreError, QueryError
from ..index.adapter import adapter_for
from ..index.build import build_generation
from ..index.embedding import DEFAULT_MODEL, Embedder, load_embedder
from ..index.lexical import DEFAULT_TOKENIZER
from ..index.reuse import Reuse
from ..index.store import ArticleInfo, IndexData, load_generation, load_index
from ..ingest.articles import Article
from ..ingest.passages import Passage, views
from .citation import passage_url
from .ranking import ANSWER_WINDOW, QueryVector, Scorer, is_english, the_ask

MAX_QUESTION_CHARS = 500
MAX_K = 20
Progress = Callable[[str], None]
# The match level a reader sees, from a hit's calibrated probability: the one place it is decided
# (the page, /embed and the widget all show the level the API gives).
MATCH_LEVELS: tuple[tuple[float, str], ...] = ((0.8, "high"), (0.5, "mid"), (0.0, "low"))
# An answer is "ambiguous" when the second passage's dense score comes this close to the first's: another
# passage fits about as well, so the reader is shown both. Tuning side (docs/measurements.md, round 10): of
# the answered questions, 0.01 marks 52 of 150 on the shipped article (the right passage second or third in
# 20 of them, first in 24) and 490 of 1462 on the tuning splits' own indexes (134, 295).
CLOSE_GAP = 0.01


def match_level(score: float) -> str:
    """``"high"``, ``"mid"`` or ``"low"`` for a calibrated probability (see ``MATCH_LEVELS``)."""
    return next((level for floor, level in MATCH_LEVELS if score >= floor), "low")


@dataclass(frozen=True)
class Hit:
    """One quoted answer with its citation. ``text`` and ``question`` are verbatim from the article."""

    id: str
    score: float
    text: str
    speaker: str
    question: str
    section: str
    article_id: str
    article_title: str
    article_url: str
    url: str
    department: str
    kind: str
    published: str | None = None  # the article's date, when known (e.g. "2024-03-15")

    @property
    def level(self) -> str:
        return match_level(self.score)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "score": round(self.score, 4), "level": self.level, "text": self.text,
            "speaker": self.speaker, "department": self.department, "kind": self.kind,
            "question": self.question, "section": self.section,
            "article": {"title": self.article_title, "url": self.article_url, "published": self.published},
            "url": self.url,
        }


@dataclass(frozen=True)
class SearchResult:
    """The hits for a question, best first, and whether the articles answer it at all."""

    query: str
    answered: bool
    hits: tuple[Hit, ...]
    ambiguous: bool = False  # answered, and the second passage fits about as well as the first (CLOSE_GAP)

    def to_dict(self) -> dict:
        return {"query": self.query, "answered": self.answered, "ambiguous": self.ambiguous,
                "hits": [h.to_dict() for h in self.hits]}


def check_question(question: object) -> str:
    """The question, trimmed; :class:`QueryError` (with a ``code``) when it cannot be searched."""
    if not isinstance(question, str):
        raise QueryError("the question must be text", code="not_text")
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, e.g. from undecodable bytes or broken JSON escapes
        raise QueryError("the question is not valid text", code="not_text") from None
    question = question.strip()
    if not question:
        raise QueryError("the question is empty", code="empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise QueryError(f"the question is too long ({len(question)} characters; at most "
                         f"{MAX_QUESTION_CHARS})", code="too_long")
    normalized = unicodedata.normalize("NFKC", question)
    if not any(unicodedata.category(ch)[0] in "LN" for ch in normalized):
        raise QueryError("the question has no words to search for", code="no_words")
    return question


def check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise QueryError(f"k must be a whole number from 1 to {MAX_K}", code="bad_k")
    return k


class Retriever:
    """Search over one index generation with the embedder it was built with."""

    def __init__(self, data: IndexData, embedder: Embedder) -> None:
        self.data = data
        self.embedder = embedder
        self._scorer = Scorer(data, data.calibration)
        self.adapter = adapter_for(data.manifest.get("embedder", {}).get("name", ""))
        self._numbers = {passage.id: number for number, passage in enumerate(data.passages)}

    # -- building -----------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        articles: Sequence[Article],
        index_dir: Path,
        embedder: Embedder | None = None,
        model: str = DEFAULT_MODEL,
        tokenizer: str = DEFAULT_TOKENIZER,
        progress: Progress | None = None,
        reuse: Reuse | None = None,
    ) -> Retriever:
        """Cut, embed and index ``articles`` into a new generation of ``index_dir``.

        With ``reuse`` (e.g. ``Reuse.from_index(Retriever.load(index_dir).data)``) views whose
        text was embedded before by the same model are taken over instead of embedded again.
        """
        embedder = embedder or load_embedder(model)
        report = build_generation(articles, Path(index_dir), embedder, tokenizer, reuse, progress)
        return cls(load_generation(report.folder), embedder)

    # -- loading ------------------------------------------------------------------------------
    @classmethod
    def load(cls, index_dir: Path, embedder: Embedder | None = None, data: IndexData | None = None) -> Retriever:
        """Load the current generation (or ``data``); the embedder must be the one it was built with."""
        data = load_index(Path(index_dir)) if data is None else data
        info = data.manifest["embedder"]
        if embedder is None:
            embedder = load_embedder(info.get("model") or info["name"])
        if embedder.name != info["name"] or embedder.dim != info["dim"]:
            raise IndexStoreError(
                f"the index was built with {info['name']} ({info['dim']} dimensions), not "
                f"{embedder.name} ({embedder.dim}); rebuild it with: python -m retrieval build"
            )
        return cls(data, embedder)

    # -- searching ----------------------------------------------------------------------------
    def embed_question(self, question: str, with_previous: bool = False) -> QueryVector:
        """The question's vector as the index compares it, for callers that need it besides :meth:`search`.

        An English question's vector goes through the embedder's question map (:mod:`retrieval.index.adapter`),
        fitted on single questions; a Japanese one's, or a follow-up read together with the previous
        question (``with_previous``), is used as it is (there the map cost the shipped article's dev set
        and follow-ups more than it gained; docs/measurements.md, round 8).

        A long Japanese question's last part (:func:`~retrieval.search.ranking.the_ask`) is embedded in the same
        batch and weighed into the vector the question is ranked by (:class:`~retrieval.search.ranking.QueryVector`);
        the signals for "not found" read the question's own vector."""
        question = check_question(question)
        ask = None if with_previous else the_ask(question)
        vectors = self.embedder.embed_queries([question] if ask is None else [question, ask])
        moved = is_english(question) and not with_previous
        vectors = self.adapter.apply(vectors) if moved else vectors
        return QueryVector.of(vectors)

    def search(self, question: str, k: int = 5, query_vector: QueryVector | None = None) -> SearchResult:
        """The ``k`` best passages for a question and whether any of them answers it.

        ``query_vector`` (from :meth:`embed_question`) saves embedding the question twice.
        """
        question = check_question(question)
        k = check_k(k)
        if query_vector is None:
            query_vector = self.embed_question(question)
        scored = self._scorer.score(question, query_vector, limit=max(k, ANSWER_WINDOW))
        threshold = self._scorer.calibration.threshold
        answered = any(s.probability >= threshold for s in scored[:ANSWER_WINDOW])
        ambiguous = answered and len(scored) > 1 and scored[0].dense - scored[1].dense < CLOSE_GAP
        hits = tuple(self._hit(s.passage, s.probability) for s in scored[:k])
        return SearchResult(query=question, answered=answered, hits=hits, ambiguous=ambiguous)

    def features(self, question: str) -> list:
        """Scored candidates with their raw features (for calibration and diagnostics)."""
        question = check_question(question)
        return self._scorer.score(question, self.embed_question(question))

    def mentions(self, phrase: str) -> bool:
        """Whether the articles mention ``phrase`` (as written, or each of its content words)."""
        return self._scorer.mentions(phrase)

    def _hit(self, number: int, score: float) -> Hit:
        passage = self.data.passages[number]
        article = self.data.articles[passage.article_id]
        return Hit(
            id=passage.id, score=score, text=passage.text, speaker=passage.speaker,
            question=passage.question, section=passage.section, article_id=article.id,
            article_title=article.title, article_url=article.url,
            url=passage_url(article.url, passage.anchor), department=article.department,
            kind=passage.kind, published=article.published,
        )

    @property
    def articles(self) -> list[ArticleInfo]:
        return list(self.data.articles.values())

    def passage(self, passage_id: str) -> Passage | None:
        number = self._numbers.get(passage_id)
        return None if number is None else self.data.passages[number]

    def view_vectors(self, passage_id: str) -> dict[str, np.ndarray]:
        """Each view text of a passage with its stored vector (e.g. the sentences of an answer)."""
        number = self._numbers[passage_id]
        texts = views(self.data.passages[number])
        vectors = self._scorer.view_vectors(number)
        return dict(zip(texts, vectors, strict=True)) if len(texts) == len(vectors) else {}

