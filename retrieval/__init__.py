"""Answers from the interviews, quoted verbatim with citations: parse → passages → embed → index → search.

    from retrieval import Retriever
    result = Retriever.load("index").search("DX推進リーダーって何をする人?", k=5)
    result.answered, result.hits[0].text, result.to_dict()

A running app serves ``LiveRetriever("index").current()``, which picks up the generations that
``python -m retrieval add`` / ``remove`` write (see retrieval/editing/library.py).

``__all__`` is the engine's public API: what app.py and web/ use (a test checks they use nothing
else). The stages' own modules (articles, passages, embedding, store, library, ...) are internal.
"""

from .editing.live import LiveRetriever, open_index
from .errors import FeedbackError, QueryError, RetrievalError
from .index.embedding import DEFAULT_MODEL, HashingEmbedder
from .ingest.articles import load_seeds
from .ingest.links import safe_url
from .readers.conversation import Answer, answer, example_questions
from .readers.feedback import DEFAULT_DB, FeedbackStore, normalize_question
from .search.citation import as_on_page
from .search.ranking import is_english
from .search.retriever import MAX_K, MAX_QUESTION_CHARS, Hit, Retriever, SearchResult, check_k
from .settings import setting_defaults

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_MODEL",
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "Answer",
    "FeedbackError",
    "FeedbackStore",
    "HashingEmbedder",
    "Hit",
    "LiveRetriever",
    "QueryError",
    "RetrievalError",
    "Retriever",
    "SearchResult",
    "answer",
    "as_on_page",
    "check_k",
    "example_questions",
    "is_english",
    "load_seeds",
    "normalize_question",
    "open_index",
    "safe_url",
    "setting_defaults",
]
