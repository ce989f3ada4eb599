"""Stage 6: where a quote comes from, as a link that opens the article at the passage.

Links use a text fragment (``#:~:text=``), which current browsers scroll to and highlight. The
fragment is the passage's anchor (see ``passages.anchor_text``): the opening words of the passage,
unique on the article page and ending where a word ends (Chromium ignores a fragment that stops
inside a word), so the browser lands on the right place; tests/test_citation_browser.py checks
every link of the shipped article in Chromium.

Inside a quote, :func:`highlight` marks the sentence(s) that best match the question; the words
stay verbatim (the segments join back to the passage text).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from ..ingest.passages import NOT_ON_PAGE
from ..ingest.text import split_sentences


def _encode(text: str) -> str:
    # Text fragments reserve "-", "," and "&"; quote() leaves "-" alone, so encode it by hand.
    return quote(text, safe="").replace("-", "%2D")


def passage_url(article_url: str, anchor: str) -> str:
    """``article_url#:~:text=ANCHOR`` (the passage's unique opening words); "" without a URL."""
    if not article_url:
        return ""
    if not anchor:
        return article_url
    return f"{article_url.split('#', 1)[0]}#:~:text={_encode(anchor)}"


def as_on_page(text: str) -> str:
    """Quoted text as the article page shows it: without the text file's link markers (🔗)."""
    return "".join(ch for ch in text if ch not in NOT_ON_PAGE)


# -- highlighting the sentence that answers ------------------------------------------------------
HIGHLIGHT_MARGIN = 0.03  # a second sentence is marked too when it scores this close to the best
MAX_MARKED = 2


@dataclass(frozen=True)
class Segment:
    """A verbatim piece of a quote; ``marked`` when it is a sentence that best matches the question."""

    text: str
    marked: bool = False


def highlight(
    text: str,
    question: str,
    similarity: Callable[[list[str]], Sequence[float]],
    tokens: Callable[[str], list[str]] | None = None,
) -> tuple[Segment, ...]:
    """The quote as segments with the sentence(s) closest to the question marked.

    ``similarity`` gives each sentence's cosine with the question (the caller knows the model);
    the share of the question's words a sentence contains is added. A one-sentence quote is not
    marked: the whole quote is the answer.
    """
    pieces = split_sentences(text)
    scored = [i for i, piece in enumerate(pieces) if piece.strip()]
    if len(scored) < 2 or not question.strip():
        return tuple(Segment(piece) for piece in pieces)
    scores = [float(s) for s in similarity([pieces[i].strip() for i in scored])]
    wanted = set(tokens(question)) if tokens else set()
    if wanted:
        scores = [s + len(wanted & set(tokens(pieces[i]))) / len(wanted) for s, i in zip(scores, scored, strict=True)]
    best = max(scores)
    ranked = sorted(range(len(scored)), key=lambda j: -scores[j])
    marked = {scored[j] for j in ranked[:MAX_MARKED] if scores[j] >= best - HIGHLIGHT_MARGIN}
    if len(marked) == len(scored):  # marking every sentence would point at nothing
        marked = {scored[ranked[0]]}
    return tuple(Segment(piece, i in marked) for i, piece in enumerate(pieces))
