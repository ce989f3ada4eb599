"""Article links: only http(s) URLs are stored, shown or linked (never ``javascript:``, ``data:`` ...).

One home for the rule: ``add`` refuses other URLs (:func:`check_url`), the index stores none
(``store.ArticleInfo``), and every place that renders a link passes it through :func:`safe_url`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import ArticleError


def safe_url(url: object) -> str:
    """``url`` when it is an absolute http(s) URL with a host, else ``""`` (shown as no link)."""
    if not isinstance(url, str) or url != url.strip() or any(ord(ch) < 0x20 or ch == "\x7f" for ch in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else ""


def check_url(url: str) -> str:
    """``url`` (empty is fine: no link); :class:`ArticleError` when it is not an http(s) URL."""
    if url and not safe_url(url):
        raise ArticleError(f"{url!r} is not an http(s) URL; the article's URL must start with https:// or http://")
    return url
