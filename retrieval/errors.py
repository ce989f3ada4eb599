"""The errors callers can expect. Each message says what went wrong and how to fix it."""


class RetrievalError(Exception):
    """Base class: anything this package raises on purpose."""


class ArticleError(RetrievalError):
    """An article file or its metadata cannot be read or parsed."""


class QueryError(RetrievalError):
    """A question cannot be searched. ``code`` says why, for messages in the reader's language:
    ``empty``, ``too_long``, ``no_words``, ``not_text`` or ``bad_k``."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


class IndexStoreError(RetrievalError):
    """The index is missing, damaged, or was built with another model."""


class EmbedderError(RetrievalError):
    """The embedding model cannot be loaded."""


class FeedbackError(RetrievalError):
    """The feedback database cannot be opened or written."""


class IndexBusyError(IndexStoreError):
    """Another update of the same index is running; try again when it has finished."""
