"""Stage 6: where a quote comes from, as a link that opens the article at the passage.

Links use a text fragment (``#:~:text=``), which current browsers scroll to and highlight. The
fragment is the passage's anchor (see ``passages.anchor_text``): words that occur only once in the
article, so the browser lands on the right place.
"""

from __future__ import annotations

from urllib.parse import quote


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
