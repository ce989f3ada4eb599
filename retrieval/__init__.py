"""Answers from the interviews, quoted verbatim with citations: parse → passages → embed → index → search.

    from retrieval import Retriever
    result = Retriever.load("index").search("DX推進リーダーって何をする人?", k=5)
    result.answered, result.hits[0].text, result.to_dict()

A running app serves ``LiveRetriever("index").current()``, which picks up the generations that
``python -m retrieval add`` / ``remove`` write (see retrieval/library.py).
"""

from .articles import Article, ArticleMeta, load_article, load_seeds, parse_article
from .citation import as_on_page
from .conversation import Answer, answer, example_questions, is_english
from .embedding import DEFAULT_MODEL, Embedder, HashingEmbedder, load_embedder
from .errors import ArticleError, EmbedderError, IndexBusyError, IndexStoreError, QueryError, RetrievalError
from .feedback import DEFAULT_DB, FeedbackError, FeedbackStore
from .links import safe_url
from .live import LiveRetriever, open_index
from .passages import Passage, make_passages
from .retriever import MAX_K, MAX_QUESTION_CHARS, Hit, Retriever, SearchResult, check_k

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_MODEL",
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "Answer",
    "Article",
    "ArticleError",
    "ArticleMeta",
    "Embedder",
    "EmbedderError",
    "FeedbackError",
    "FeedbackStore",
    "HashingEmbedder",
    "Hit",
    "IndexBusyError",
    "IndexStoreError",
    "LiveRetriever",
    "Passage",
    "QueryError",
    "RetrievalError",
    "Retriever",
    "SearchResult",
    "answer",
    "as_on_page",
    "check_k",
    "example_questions",
    "is_english",
    "load_article",
    "load_embedder",
    "load_seeds",
    "make_passages",
    "open_index",
    "parse_article",
    "safe_url",
]
