"""Ways in from elsewhere: the widget's card definition, answer permalinks with link-card tags, oEmbed.

- ``GET /api/card``: the card's labels, limits and example questions as JSON, so that the widget
  and /embed show what the page shows from the one definition in ``web.cards``.
- ``GET /a?q=質問``: a permalink for an answer. Its HTML carries OGP and Twitter card tags (title,
  a short excerpt of the quote with the speaker, the URL) and an oEmbed discovery link, so a link
  pasted into a note.com article renders as a card; a browser is sent on to ``/?q=質問``.
- ``GET /oembed?url=...&format=json``: oEmbed (type ``rich``) for the chat page and permalinks: an
  ``<iframe>`` of ``/embed?q=...``.
- The chat page ``/`` itself carries the same tags for the page (:func:`chat_page_tags`, added to its
  ``<head>`` per request by ``web.api.Guard``: the URLs in them must be absolute).
"""

from __future__ import annotations

import logging
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from retrieval import QueryError, answer, as_on_page

from .cards import INTRO, LABELS, TITLE, permalink_path, widget_config

if TYPE_CHECKING:
    from .page import Context

log = logging.getLogger(__name__)

EXCERPT_CHARS = 80  # link cards show about two lines of description
EMBED_WIDTH, EMBED_HEIGHT = 400, 600


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of a quote on one line, cut with "…" when longer than ``limit``."""
    flat = " ".join(as_on_page(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def base_url(request: Request) -> str:
    """This app's address as the client used it (with any path prefix), ending in "/"."""
    return str(request.base_url)


def permalink(base: str, question: str) -> str:
    """The stable address of the answer to ``question``."""
    return base + permalink_path(question)


def question_of(url: str, base: str) -> str | None:
    """The question a permalink or chat-page URL of this app asks ("" for the plain page); None if not ours."""
    parts, own = urlsplit(url), urlsplit(base)
    if (parts.scheme, parts.netloc) != (own.scheme, own.netloc) or parts.path not in (own.path, own.path + "a"):
        return None
    return (parse_qs(parts.query).get("q") or [""])[0].strip()


def card_tags(ctx: Context, question: str) -> tuple[str, str]:
    """(title, description) for a link card: the question and a short excerpt of the best quote."""
    words = LABELS["ja"]
    try:
        found = answer(ctx.retriever, question, k=1)
    except QueryError:
        return TITLE, ctx.intro
    if not found.answered or not found.hits:
        return f"{question} | {TITLE}", words["not_found"]
    hit = found.hits[0]
    who = hit.speaker + (f"({hit.department})" if hit.department and hit.kind == "exchange" else "")
    return f"{question} | {TITLE}", f"「{excerpt(hit.text)}」— {who}"


def link_tags(base: str, here: str, title: str, description: str, kind: str = "article") -> str:
    """OGP and Twitter card tags, the oEmbed discovery link and the canonical URL of the page at ``here``."""
    oembed = f"{base}oembed?{urlencode({'url': here, 'format': 'json'})}"
    return "\n".join([
        f'<meta property="og:title" content="{escape(title)}">',
        f'<meta property="og:description" content="{escape(description)}">',
        f'<meta property="og:url" content="{escape(here)}">',
        f'<meta property="og:type" content="{kind}">',
        f'<meta property="og:site_name" content="{escape(TITLE)}">',
        '<meta name="twitter:card" content="summary">',
        f'<meta name="twitter:title" content="{escape(title)}">',
        f'<meta name="twitter:description" content="{escape(description)}">',
        f'<link rel="alternate" type="application/json+oembed" href="{escape(oembed)}" title="{escape(title)}">',
        f'<link rel="canonical" href="{escape(here)}">',
    ])


def chat_page_tags(base: str) -> str:
    """The chat page's own link-card tags: a link to it pasted into note.com shows the title and what it does."""
    return link_tags(base, base, TITLE, INTRO, "website")


def add_share_routes(api: FastAPI, ctx: Context) -> None:
    """/api/card, /a (permalinks with OGP tags) and /oembed on ``api``."""

    @api.get("/api/card", include_in_schema=False)
    def card() -> Response:
        return JSONResponse(widget_config(ctx.examples, ctx.intro))

    @api.api_route("/a", methods=["GET", "HEAD"], include_in_schema=False)
    def permalink_page(request: Request) -> Response:
        question = request.query_params.get("q", "").strip()
        base = base_url(request)
        here = permalink(base, question) if question else base
        title, description = card_tags(ctx, question) if question else (TITLE, ctx.intro)
        chat = f"{base}?{urlencode({'q': question})}" if question else base
        tags = (link_tags(base, here, title, description)
                + f'\n<meta http-equiv="refresh" content="0; url={escape(chat)}">')
        page = (f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{escape(title)}</title>\n{tags}\n'
                f'</head><body><p>{escape(description)}</p><p><a href="{escape(chat)}">{escape(TITLE)}で見る</a></p>'
                "</body></html>")
        return HTMLResponse(page, headers={"Cache-Control": "public, max-age=300"})

    @api.get("/oembed", include_in_schema=False)
    def oembed(request: Request) -> Response:
        base = base_url(request)
        url, fmt = request.query_params.get("url", ""), request.query_params.get("format", "json")
        if fmt != "json":
            return JSONResponse({"error": "not_implemented", "message": "only format=json"}, 501)
        question = question_of(url, base)
        if question is None:
            return JSONResponse({"error": "not_found", "message": "not a page of this app"}, 404)
        src = f"{base}embed" + (f"?{urlencode({'q': question})}" if question else "")
        title = f"{question} | {TITLE}" if question else TITLE
        width, height = _size(request, "maxwidth", EMBED_WIDTH), _size(request, "maxheight", EMBED_HEIGHT)
        frame = (f'<iframe src="{escape(src)}" title="{escape(TITLE)}" width="{width}" height="{height}" '
                 'style="border: 0; max-width: 100%;" loading="lazy"></iframe>')
        return JSONResponse({"version": "1.0", "type": "rich", "title": title, "provider_name": TITLE,
                             "provider_url": base, "html": frame, "width": width, "height": height,
                             "cache_age": 300})


def _size(request: Request, name: str, default: int) -> int:
    """``maxwidth``/``maxheight`` as the consumer asked (at most the default, at least 200)."""
    value = request.query_params.get(name, "")
    return max(200, min(default, int(value))) if value.isascii() and value.isdigit() and len(value) < 6 else default
