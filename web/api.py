"""The JSON API (/api/ask, /api/reload), /embed and /widget.js, with the security layers around them.

``create_api`` returns a FastAPI app with these routes, CORS for the allowed origins only, security
headers on every response (``Guard``) and a per-client rate limit; the chat page is mounted on it
afterwards (``web.page.mount_page``). See docs/api.md.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from anyio import CapacityLimiter, to_thread
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from retrieval import MAX_K, MAX_QUESTION_CHARS, Answer, LiveRetriever, QueryError, SearchResult, answer, check_k

from .limits import ClientLimits, GradioGate, client_of, problem
from .share import add_share_routes, chat_page_tags

if TYPE_CHECKING:
    from .page import Context

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024  # a question is at most 500 characters; anything much larger is refused unread
API_SEARCHES = 4  # /api/ask searches running at once; the others wait their turn (none is dropped)
STATIC = Path(__file__).resolve().parent.parent / "static"


class ArticleRef(BaseModel):
    title: str
    url: str = Field(description="the article page")
    published: str | None = Field(description="the article's date (YYYY-MM-DD) when known, else null")


class QuoteSegment(BaseModel):
    text: str = Field(description="a verbatim piece of the answer; the pieces join to `text`")
    marked: bool = Field(description="true: a sentence that best answers the question (shown highlighted)")


class HitOut(BaseModel):
    id: str
    score: float = Field(description="calibrated probability that this passage answers the question, 0..1")
    level: Literal["high", "mid", "low"] = Field(description="the match level shown to readers (from score)")
    text: str = Field(description="the answer, verbatim from the article")
    speaker: str = Field(description='who says it, e.g. "Oさん"; the publisher for article text')
    department: str = Field(description="the interviewed department, e.g. DX推進担当部 DX推進担当課")
    kind: Literal["exchange", "narration"] = Field(description="a staff answer, or the article's own text")
    question: str = Field(description="the interviewer's question this passage answers; may be empty")
    section: str
    article: ArticleRef
    url: str = Field(description="link to the passage: the article URL with a #:~:text= fragment")
    quote: list[QuoteSegment] = Field(description="`text` cut into sentences, the answering one(s) marked")


class AskResponse(BaseModel):
    """``python -m retrieval ask --json``'s result plus the highlight and how a follow-up was read."""

    asked: str = Field(description="the question as sent")
    query: str = Field(description="what was searched: the question, after `prev` when it is a follow-up")
    answered: bool = Field(description="false: the articles contain no answer (the hits are only the nearest)")
    ambiguous: bool = Field(description="true: answered, and the second hit fits about as well as the first "
                                        "(show it too, not only the first)")
    hits: list[HitOut]
    read_as: str = Field(description='what a follow-up was taken to be about (e.g. "DX推進リーダー"); "" if none')
    suggestions: list[str] = Field(description="when not answered: questions near this one that the articles do "
                                               "answer (each finds its passage first), to offer instead; else []")


class AskRequest(BaseModel):
    # pattern: at least one character that is not white space (a blank question is refused: 400 empty).
    q: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=r"\S",
                   examples=["DX推進リーダーって何をする人?"])
    k: int = Field(5, ge=1, le=MAX_K, description="how many passages, best first")
    prev: str | None = Field(None, description="the previous question, for reading a follow-up such as "
                                               "それはいつから? (only its first 500 characters are read)")


class VoteRequest(BaseModel):
    q: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=r"\S",
                   description="what the reply searched: its `query`")
    ids: list[str] = Field(max_length=MAX_K, description="the ids of the passages the reply showed, best first")
    vote: Literal["up", "down"] = Field(description="👍 (up) or 👎 (down)")


class VoteResponse(BaseModel):
    stored: bool = Field(description="false when this address has already voted on this question today, or "
                                     "has sent many votes and questions lately (nothing is stored then)")


class ApiError(BaseModel):
    error: str = Field(description="empty, too_long, not_text, bad_k, bad_prev, bad_vote, unknown_passage, "
                                   "invalid_json, not_json, too_large, aborted, rate_limited, method_not_allowed, "
                                   "bad_request or internal")
    message: str


def ask_doc(*refusals: int) -> dict:
    """OpenAPI details for an /api/ask route: the answer, the usual refusals and ``refusals``."""
    described = {400: "the question or k cannot be used", 413: "the request body is too large",
                 415: "the body is not sent as JSON",
                 429: "too many questions from this address (see Retry-After)",
                 500: "unexpected failure (details only in the server log)"}
    statuses = sorted({400, 429, 500, *refusals})
    return {"summary": "Quoted answers to a question", "response_model": None,
            "responses": {200: {"model": AskResponse},
                          **{status: {"model": ApiError, "description": described[status]} for status in statuses}}}


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to be longer than ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


# The chat page's policy. Gradio's page has inline scripts (its config), so each HTML answer gets a
# fresh nonce on its own <script> tags; with a nonce, Chromium and Firefox also refuse inline event
# handlers and javascript: links, so an injected tag or a bad stored URL cannot run script here.
# No 'unsafe-eval': the page uses no gr.HTML (Gradio 6 compiles its template with new Function).
# Styles stay 'unsafe-inline': Gradio sets many element styles at run time.
PAGE_POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; "
               "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
               "form-action 'self'; frame-ancestors 'self'")
SCRIPT_TAG = re.compile(rb"<script(?=[\s>])")


class Guard:
    """Pure ASGI middleware: a Content-Security-Policy on every answer, who may frame which page, no
    MIME sniffing, no-store on API answers; the chat page ``/`` also gets its link-card tags
    (web/share.py), which need this request's own address."""

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        self.app = app
        ancestors = " ".join(["'self'", *origins])
        self.headers = {
            "/embed": {"Content-Security-Policy": "default-src 'none'; script-src 'self'; connect-src 'self'; "
                       "style-src 'self' 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; "
                       f"frame-ancestors {ancestors}"},
            "/widget.js": {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
                           "Cross-Origin-Resource-Policy": "cross-origin"},  # a script any page may load
            "/page.js": {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"},
            "/api/": {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
                      "Cache-Control": "no-store"},
            "": {"X-Frame-Options": "SAMEORIGIN"},  # plus PAGE_POLICY with a nonce, per answer
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        extra = self.headers.get(path) or self.headers["/api/" if path.startswith("/api/") else ""]
        extra = {**extra, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}
        nonce = secrets.token_urlsafe(16) if "Content-Security-Policy" not in extra else ""
        if nonce:
            extra["Content-Security-Policy"] = PAGE_POLICY.format(nonce=nonce)
        start: Message | None = None
        body = bytearray()

        async def send_with_headers(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
                html = headers.get("content-type", "").startswith("text/html")
                if nonce and html and "content-encoding" not in headers:
                    start = message  # held back until the whole page is there to add the nonce
                    return
            elif start is not None and message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if message.get("more_body"):
                    return
                page = SCRIPT_TAG.sub(f'<script nonce="{nonce}"'.encode(), bytes(body))
                if path == "/" and b"</head>" in page:
                    tags = chat_page_tags(str(Request(scope).base_url)).encode()
                    page = page.replace(b"</head>", tags + b"\n</head>", 1)
                MutableHeaders(scope=start)["content-length"] = str(len(page))
                await send(start)
                await send({"type": "http.response.body", "body": page})
                return
            await send(message)

        await self.app(scope, receive, send_with_headers)


API_METHODS = {"/api/ask": "GET, POST", "/api/vote": "POST", "/api/reload": "POST", "/api/openapi.json": "GET"}


class ApiMethods:
    """Pure ASGI middleware: another method on an API path is 405 with ``Allow`` (TRACE, PUT, QUERY...).

    Without it such a request falls through to the chat page mounted at "/", which answers 404.
    CORS preflights never get here (CORSMiddleware, outside this one, answers them).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = API_METHODS.get(scope.get("path", "")) if scope["type"] == "http" else None
        if allowed and scope["method"] not in allowed.split(", "):
            refusal = problem(405, "method_not_allowed", f"{scope['method']} is not allowed here; use {allowed}",
                              {"Allow": allowed})
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_api(ctx: Context, *, allowed_origins: Sequence[str], limits: ClientLimits, admin_token: str) -> FastAPI:
    """FastAPI with the routes below, CORS for ``allowed_origins`` only and ``Guard``'s headers.

    The OpenAPI description is public; Swagger UI (/docs) stays off: it loads scripts from a CDN.
    """
    api = FastAPI(title="せたがやDXインタビュー Q&A API", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", version="1",
                  description="Quoted answers from the Setagaya DX interviews (docs/api.md).")
    add_routes(api, ctx, limits=limits, admin_token=admin_token)
    add_share_routes(api, ctx)
    # Added first = innermost: CORS (below) answers preflights first and adds its headers to refusals.
    api.add_middleware(ApiMethods)
    api.add_middleware(GradioGate, limits=limits)
    # One CORS policy for every route, the page's included: Gradio's own CORS layer, which would let
    # any site read its endpoints, stands aside when the parent app has a CORSMiddleware.
    api.add_middleware(CORSMiddleware, allow_origins=list(allowed_origins), allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"], max_age=600)
    api.add_middleware(Guard, origins=allowed_origins)
    return api


def add_routes(api: FastAPI, ctx: Context, *, limits: ClientLimits, admin_token: str) -> None:
    """/api/ask (GET, POST), /api/reload (``admin_token``), /embed and /widget.js, on ``api``.

    An empty ``admin_token`` means /api/reload always answers 401. ``limits`` counts questions per
    client, shared with the chat page's Gradio endpoints (web/limits.py).
    """
    searches = CapacityLimiter(API_SEARCHES)
    widget, embed = (STATIC / "widget.js").read_bytes(), (STATIC / "embed.html").read_bytes()
    page_script = (STATIC / "page.js").read_bytes()

    def refused(request: Request, bucket: str) -> JSONResponse | None:
        return limits.refused(client_of(request.scope), bucket)

    async def search(request: Request, q: object, k: object, prev: object = None) -> Response:
        previous = prev[:MAX_QUESTION_CHARS] if isinstance(prev, str) and prev.strip() else None
        client = client_of(request.scope)

        def answered() -> Answer:  # unanswered questions (the widget's too) are noted for the editors' report
            found = answer(ctx.retriever, q, previous, k)
            ctx.note_unanswered(client, found)
            return found

        try:
            result = await to_thread.run_sync(answered, limiter=searches)
        except QueryError as error:
            if error.code == "no_words" and isinstance(q, str):
                # Valid by the OpenAPI description (a non-blank string): the articles simply do not
                # answer it, the same reply as for any question they do not answer (k still checked).
                try:
                    check_k(k)
                except QueryError as bad_k:
                    return problem(400, bad_k.code, str(bad_k))
                asked = q.strip()
                nothing = Answer(question=asked, searched=asked, quotes=(),
                                 result=SearchResult(query=asked, answered=False, hits=()))
                return JSONResponse(nothing.to_dict())  # the shape of every other reply
            return problem(400, error.code, str(error))
        except Exception:  # the details go to the server log only
            log.exception("/api/ask failed")
            return problem(500, "internal", "the answer could not be computed; please try again later")
        return JSONResponse(result.to_dict())

    @api.get("/api/ask", **ask_doc(), openapi_extra={"parameters": [
        {"name": "q", "in": "query", "required": True, "schema": AskRequest.model_json_schema()["properties"]["q"]},
        {"name": "k", "in": "query", "required": False, "schema": AskRequest.model_json_schema()["properties"]["k"]},
        {"name": "prev", "in": "query", "required": False,
         "schema": AskRequest.model_json_schema()["properties"]["prev"]},
    ]})
    async def ask_get(request: Request) -> Response:
        """The ``k`` passages that best answer ``q``, each a verbatim quote with its citation."""
        if limited := refused(request, "ask"):
            return limited
        q, k = request.query_params.get("q", ""), request.query_params.get("k", "5")
        return await search(request, q, int(k) if k.isascii() and k.isdigit() and len(k) < 4 else k,
                            request.query_params.get("prev"))

    @api.post("/api/ask", **ask_doc(413, 415),
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": AskRequest.model_json_schema()}}}})
    async def ask_post(request: Request) -> Response:
        """Same as GET, with a JSON body ``{"q": "...", "k": 5}``."""
        if limited := refused(request, "ask"):
            return limited
        data = await json_body(request, '{"q": "...", "k": 5}')
        if isinstance(data, JSONResponse):
            return data
        k = data.get("k", 5)
        # JSON Schema's "integer" includes 13.0 (JSON does not tell 13.0 from 13); 2.5 is still refused.
        k = int(k) if isinstance(k, float) and k.is_integer() else k
        previous = data.get("prev")
        if previous is not None and not isinstance(previous, str):
            return problem(400, "bad_prev", "prev must be the previous question, as text")
        return await search(request, data.get("q", ""), k, previous)

    async def json_body(request: Request, example: str) -> dict | JSONResponse:
        """The request's JSON object, or the refusal to send instead (``example``: a body to show)."""
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return problem(415, "not_json", f"send JSON with Content-Type: application/json, e.g. {example}")
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return problem(413, "too_large", f"the request body is larger than {MAX_BODY_BYTES} bytes")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            return problem(400, "invalid_json", f"the body must be a JSON object like {example}")
        return data

    @api.post("/api/vote", summary="👍/👎 on a reply (the widget's; the chat page has its own)",
              responses={200: {"model": VoteResponse},
                         **{status: {"model": ApiError, "description": text} for status, text in (
                             (400, "the vote cannot be used"), (409, "a passage is not in the index being served"),
                             (413, "the request body is too large"),
                             (415, "the body is not sent as JSON"), (429, "too many requests from this address"))}},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": VoteRequest.model_json_schema()}}}})
    async def vote(request: Request) -> Response:
        """Store a reader's 👍/👎 on the reply to ``q`` that showed the passages ``ids``, for the editors'
        report (``python -m retrieval report``); bounded per address like the chat page's votes."""
        if limited := refused(request, "vote"):
            return limited
        data = await json_body(request, '{"q": "...", "ids": ["..."], "vote": "up"}')
        if isinstance(data, JSONResponse):
            return data
        try:
            sent = VoteRequest.model_validate(data)  # the schema the OpenAPI description shows, checked once
        except ValidationError:
            return problem(400, "bad_vote", 'send {"q": the reply\'s query, "ids": the passages it showed, '
                                            '"vote": "up" or "down"}')
        retriever = ctx.retriever
        if not all(retriever.passage(i) is not None for i in sent.ids):
            return problem(409, "unknown_passage", "a passage is not in the index being served (it may have "
                                                   "changed since the answer); nothing was stored")
        stored = ctx.note_vote(client_of(request.scope), sent.q, sent.ids, sent.vote)
        return JSONResponse({"stored": stored})

    @api.post("/api/reload", include_in_schema=False)
    async def reload(request: Request) -> Response:
        """Load the newest index generation now. Needs ``Authorization: Bearer $APP_ADMIN_TOKEN``."""
        if limited := refused(request, "reload"):
            return limited
        sent = request.headers.get("authorization", "").encode()
        if not admin_token or not hmac.compare_digest(sent, f"Bearer {admin_token}".encode()):
            return problem(401, "unauthorized", "a valid admin token is required", {"WWW-Authenticate": "Bearer"})
        if not isinstance(ctx.source, LiveRetriever):
            return JSONResponse({"reloaded": False})
        before = ctx.source.generation
        await to_thread.run_sync(ctx.source.refresh)
        return JSONResponse({"reloaded": ctx.source.generation != before})

    @api.api_route("/widget.js", methods=["GET", "HEAD"], include_in_schema=False)
    def widget_js() -> Response:
        return Response(widget, media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"})

    @api.api_route("/page.js", methods=["GET", "HEAD"], include_in_schema=False)
    def page_js() -> Response:  # the chat page's own script (web/page.py)
        return Response(page_script, media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"})

    @api.api_route("/embed", methods=["GET", "HEAD"], include_in_schema=False)
    def embed_page() -> Response:
        return HTMLResponse(embed, headers={"Cache-Control": "public, max-age=300"})

    @api.exception_handler(ClientDisconnect)
    async def aborted(request: Request, error: ClientDisconnect) -> Response:
        # The client went away mid-body: nothing is wrong with the server, and nobody reads the answer.
        log.info("%s %s: the client closed the connection before sending the whole body",
                 request.method, request.url.path)
        return problem(400, "aborted", "the request body was not received in full")

    @api.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.error("unexpected error on %s", request.url.path, exc_info=error)
        return problem(500, "internal", "unexpected server error")


