"""The chat page: ask about Setagaya ward's DX, get the ward staff's own words with a citation.

    python app.py [--host 127.0.0.1] [--port 7860] [--index DIR] [--seeds DIR] [--db PATH]
                  [--allow-origin https://note.com ...] [--rate-limit 30/minute]

Settings come from the flags, then environment variables (APP_HOST, APP_PORT, RETRIEVAL_INDEX,
RETRIEVAL_SEEDS, RETRIEVAL_DB, RETRIEVAL_MODEL, APP_ALLOWED_ORIGINS, APP_RATE_LIMIT, and
APP_ADMIN_TOKEN, which has no flag so that it never shows in a process list), then the defaults.
If the index is missing it is built from the seeds first. Nothing is generated: every reply is a
quote from an article.

This file is only the web layer. The page is a Gradio Blocks app mounted at "/" of a FastAPI app
that also serves the JSON API (/api/ask), /embed and /widget.js (docs/api.md).
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import math
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import gradio as gr
import uvicorn
from anyio import CapacityLimiter, to_thread
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, Field
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from retrieval import (
    DEFAULT_DB,
    DEFAULT_MODEL,
    MAX_K,
    MAX_QUESTION_CHARS,
    Answer,
    FeedbackError,
    FeedbackStore,
    LiveRetriever,
    QueryError,
    RetrievalError,
    Retriever,
    answer,
    as_on_page,
    example_questions,
    is_english,
    load_seeds,
)

log = logging.getLogger("app")
RELATED = 3  # more answers under the best one
RELATED_MIN_SCORE = 0.25  # below this a "related" answer is noise, not related
QUEUE_SIZE = 32
CONCURRENCY = 2
RATE_LIMIT = "30/minute"  # per client address, for /api/ask (GET and POST together)
MAX_BODY_BYTES = 16 * 1024  # a question is at most 500 characters; anything much larger is refused unread
API_SEARCHES = 4  # /api/ask searches running at once; the others wait their turn (none is dropped)
STATIC = Path(__file__).resolve().parent / "static"

LABELS = {
    "ja": {
        "asked": "聞き手の質問", "source": "出典", "match": "一致度", "high": "高", "mid": "中", "low": "低",
        "related": "関連する回答", "narration": "記事本文",
        "not_found": "記事の中には、この質問に答えている箇所が見つかりませんでした。",
        "try": "記事が答えている質問の例:",
        "empty": "質問を入力してください。",
        "too_long": f"質問が長すぎます。{MAX_QUESTION_CHARS}文字以内で入力してください。",
        "no_words": "文字で質問してください(絵文字や記号だけでは検索できません)。",
        "invalid": "この質問は検索できませんでした。言い方を変えてお試しください。",
        "failed": "申し訳ありません。いまは回答を表示できません。しばらくしてからもう一度お試しください。",
    },
    "en": {
        "asked": "Interviewer's question", "source": "Source", "match": "Match", "high": "high", "mid": "medium",
        "low": "low", "related": "Related answers", "narration": "Article text",
        "not_found": "The articles do not contain an answer to this question.",
        "try": "Questions the articles do answer:",
        "empty": "Please type a question.",
        "too_long": f"The question is too long. Please keep it under {MAX_QUESTION_CHARS} characters.",
        "no_words": "Please ask with words (emoji or symbols alone cannot be searched).",
        "invalid": "This question cannot be searched. Please try wording it differently.",
        "failed": "Sorry, no answer can be shown right now. Please try again later.",
    },
}
DESCRIPTION = ("世田谷区 DX推進担当課の職員インタビュー記事から、職員ご本人の言葉をそのまま引用して答えます"
               "(文章は生成しません)。部署の成り立ち、DX推進リーダー、コロナ禍のオンライン化、デジタル人材などについて聞けます。")
CSS = """
.card { padding: 2px 2px; }
.card blockquote { margin: 0 0 10px; padding: 2px 0 2px 12px; border-left: 4px solid #2b7a78;
                   line-height: 1.8; white-space: normal; }
.card mark { background: #fff1a8; color: inherit; padding: 0 1px; }
.card .meta { font-size: 0.92em; margin: 4px 0; overflow-wrap: anywhere; }
.card details { margin-top: 10px; border-top: 1px dashed var(--border-color-primary); padding-top: 6px; }
.card details summary { cursor: pointer; font-weight: 600; }
.card .related-answer { margin-top: 12px; }
@media (max-width: 640px) {
  #intro h1 { font-size: 1.4em; margin-bottom: 4px; }
  #intro p { font-size: 0.9em; }
}
.asked-text { white-space: pre-wrap; overflow-wrap: anywhere; }
#articles a, .card a { overflow-wrap: anywhere; }
#chat button.example { border: 1px solid var(--border-color-primary); border-radius: 8px;
                       background: var(--background-fill-secondary); }
#chat button.example:hover { border-color: var(--color-accent); }
#ask { white-space: nowrap; }
#chat .placeholder { padding: 0 12px; }
"""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 7860
    index: Path = Path("index")
    seeds: Path = Path("seeds")
    db: Path = DEFAULT_DB
    model: str = DEFAULT_MODEL
    queue_size: int = QUEUE_SIZE
    concurrency: int = CONCURRENCY
    allowed_origins: tuple[str, ...] = ()  # may call /api/ask from a browser and frame /embed
    rate_limit: str = RATE_LIMIT
    admin_token: str = field(default="", repr=False)  # empty: POST /api/reload always answers 401


def parse_origin(value: str) -> str:
    """``scheme://host[:port]`` exactly as a browser sends it in ``Origin`` (so the allow-list matches)."""
    parts = urlsplit(value.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = parts.hostname or ""
    if (parts.scheme not in ("http", "https") or not re.fullmatch(r"[a-z0-9.-]+|[0-9a-f:.]*:[0-9a-f:.]*", host)
            or port == -1 or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username
            or parts.password is not None):
        raise argparse.ArgumentTypeError(f"{value!r} is not an origin like https://note.com or http://localhost:8000")
    host = f"[{host}]" if ":" in host else host
    default_port = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default_port) else "")


def parse_rate(value: str) -> str:
    try:
        parse_many(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a rate like 30/minute or 5/second;100/hour") from None
    return value


def settings_from(argv: Sequence[str] | None = None, env: dict[str, str] | None = None) -> Settings:
    """Flags, then environment variables, then defaults."""
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(description="Chat page: quoted answers from the ward staff interviews.")
    parser.add_argument("--host", default=env.get("APP_HOST", Settings.host))
    parser.add_argument("--port", type=int, default=int(env.get("APP_PORT", Settings.port)))
    parser.add_argument("--index", type=Path, default=Path(env.get("RETRIEVAL_INDEX", Settings.index)))
    parser.add_argument("--seeds", type=Path, default=Path(env.get("RETRIEVAL_SEEDS", Settings.seeds)))
    parser.add_argument("--db", type=Path, default=Path(env.get("RETRIEVAL_DB", Settings.db)),
                        help="feedback database (default: %(default)s)")
    parser.add_argument("--allow-origin", dest="origins", action="append", type=parse_origin, metavar="ORIGIN",
                        help="a site whose pages may call /api/ask and frame /embed (repeatable; default: "
                             "APP_ALLOWED_ORIGINS, comma-separated, else none: only this app's own pages)")
    parser.add_argument("--rate-limit", type=parse_rate, default=env.get("APP_RATE_LIMIT", RATE_LIMIT),
                        help="questions per client address on /api/ask (default: %(default)s)")
    args = parser.parse_args(argv)
    origins = args.origins
    if origins is None:
        try:
            origins = [parse_origin(o) for o in env.get("APP_ALLOWED_ORIGINS", "").split(",") if o.strip()]
        except argparse.ArgumentTypeError as error:
            parser.error(f"APP_ALLOWED_ORIGINS: {error}")
    return Settings(host=args.host, port=args.port, index=args.index, seeds=args.seeds, db=args.db,
                    model=env.get("RETRIEVAL_MODEL", DEFAULT_MODEL), allowed_origins=tuple(dict.fromkeys(origins)),
                    rate_limit=args.rate_limit, admin_token=env.get("APP_ADMIN_TOKEN", ""))


# -- rendering: everything that came from a question or an article goes through escape() ----------
def _text(value: str) -> str:
    return escape(as_on_page(value)).replace("\n", "<br>")


def _confidence(score: float, words: dict[str, str]) -> str:
    level = words["high"] if score >= 0.8 else words["mid"] if score >= 0.5 else words["low"]
    return f"{words['match']}: {level} ({round(score * 100)}%)"


def _quote(answer_: Answer, number: int, words: dict[str, str]) -> str:
    hit = answer_.hits[number]
    body = "".join(f"<mark>{_text(s.text)}</mark>" if s.marked else _text(s.text) for s in answer_.quotes[number])
    speaker = escape(hit.speaker) if hit.speaker else words["narration"]
    who = f"<b>{speaker}</b>" + (f"({escape(hit.department)})" if hit.department else "")
    parts = [f'<blockquote class="quote">{body}</blockquote>', f'<div class="meta who">— {who}</div>']
    if hit.question:
        parts.append(f'<div class="meta asked">{words["asked"]}: 「{_text(hit.question)}」</div>')
    title = escape(hit.article_title)
    link = (f'<a href="{escape(hit.url, quote=True)}" target="_blank" rel="noopener noreferrer">{title}</a>'
            if hit.url else title)
    parts.append(f'<div class="meta source">{words["source"]}: {link}</div>')
    parts.append(f'<div class="meta match">{_confidence(hit.score, words)}</div>')
    return "".join(parts)


def render_answer(answer_: Answer, examples: Sequence[str]) -> str:
    """The reply card (HTML, one line): the best quote, or a plain "not in the articles"."""
    words = LABELS["en" if answer_.english else "ja"]
    if not answer_.answered or not answer_.hits:
        items = "".join(f"<li>{escape(q)}</li>" for q in examples)
        return (f'<div class="card not-found"><p><b>{words["not_found"]}</b></p>'
                f'<p>{words["try"]}</p><ul>{items}</ul></div>')
    more = [i for i, hit in enumerate(answer_.hits[: RELATED + 1]) if i > 0 and hit.score >= RELATED_MIN_SCORE]
    related = "".join(f'<div class="related-answer">{_quote(answer_, i, words)}</div>' for i in more)
    if related:
        related = f'<details class="related"><summary>{words["related"]} ({len(more)})</summary>{related}</details>'
    return f'<div class="card answer">{_quote(answer_, 0, words)}{related}</div>'


def render_message(key: str, english: bool) -> str:
    return f'<div class="card message"><p>{LABELS["en" if english else "ja"][key]}</p></div>'


def render_question(question: object) -> str:
    """The reader's own question as shown in the chat: text, never markup."""
    text = question if isinstance(question, str) else ""
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS] + "…"
    return f'<div class="asked-text">{escape(text)}</div>'


# -- handlers ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Context:
    """What every handler needs; built once at start-up (no module-level state)."""

    source: Retriever | LiveRetriever
    store: FeedbackStore
    examples: tuple[str, ...]

    @property
    def retriever(self) -> Retriever:
        """The retriever for this request; a LiveRetriever moves on to new index generations."""
        return self.source.current() if isinstance(self.source, LiveRetriever) else self.source


@dataclass(frozen=True)
class Turn:
    """One reply: its HTML and what the feedback store needs to know about it."""

    html: str
    searched: str | None = None  # None when the question could not be searched
    passage_ids: tuple[str, ...] = ()
    answered: bool = False


def respond(ctx: Context, question: object, previous: str | None = None) -> Turn:
    """The reply to a question (a follow-up is read after ``previous``). Never raises."""
    english = isinstance(question, str) and is_english(question)
    try:
        found = answer(ctx.retriever, question, previous, k=1 + RELATED)
    except QueryError as error:
        key = error.code if error.code in ("empty", "too_long", "no_words") else "invalid"
        return Turn(render_message(key, english))
    except Exception:  # the reader gets a short message; the details go to the server log only
        log.exception("search failed")
        return Turn(render_message("failed", english))
    if not found.answered:
        try:
            ctx.store.record_unanswered(found.searched)
        except FeedbackError as error:
            log.warning("%s", error)
    shown = tuple(hit.id for hit in found.hits[: 1 + RELATED]) if found.answered else ()
    return Turn(render_answer(found, ctx.examples), found.searched, shown, found.answered)


def new_state() -> dict:
    return {"previous": None, "replies": {}}


def on_ask(ctx: Context, message: str, history: list | None, state: dict | None) -> tuple[list, str, dict]:
    """Chat submit: append the question and its reply; remember what the reply showed, for votes."""
    state = state or new_state()
    turn = respond(ctx, message, state.get("previous"))
    history = [*(history or []), {"role": "user", "content": render_question(message)},
               {"role": "assistant", "content": turn.html}]
    replies = dict(state.get("replies", {}))
    if turn.searched is not None:
        replies[str(len(history) - 1)] = {"question": turn.searched, "ids": list(turn.passage_ids)}
    return history, "", {"previous": turn.searched or state.get("previous"), "replies": replies}


def on_vote(ctx: Context, state: dict | None, index: int | Sequence[int], liked: object) -> bool:
    """👍/👎 on the reply at ``index`` of the chat; True when a vote was stored."""
    number = index if isinstance(index, int) else index[0]
    reply = (state or {}).get("replies", {}).get(str(number))
    if reply is None or liked not in (True, False):
        return False
    try:
        ctx.store.record_vote(reply["question"], reply["ids"], "up" if liked else "down")
    except FeedbackError as error:
        log.warning("%s", error)
        return False
    return True


# -- the page ------------------------------------------------------------------------------------
def articles_html(retriever: Retriever) -> str:
    items = "".join(
        f'<li><a href="{escape(a.url, quote=True)}" target="_blank" rel="noopener noreferrer">{escape(a.title)}</a>'
        f"</li>" if a.url else f"<li>{escape(a.title)}</li>"
        for a in retriever.articles
    )
    return f'<div id="articles"><b>検索対象の記事</b><ul>{items}</ul></div>'


def build_page(ctx: Context) -> gr.Blocks:
    with gr.Blocks(title="せたがやDXインタビュー Q&A", analytics_enabled=False) as page:
        state = gr.State(new_state())
        gr.HTML(f"<h1>せたがやDXインタビュー Q&amp;A</h1><p>{escape(DESCRIPTION)}</p>", elem_id="intro")
        chatbot = gr.Chatbot(
            elem_id="chat", label="回答", show_label=False, height=540, sanitize_html=True, allow_tags=False,
            latex_delimiters=[], feedback_options=("Like", "Dislike"), buttons=["copy"],
            placeholder="質問を入力するか、下の例をクリックしてください。",
            examples=[{"text": q} for q in ctx.examples],
        )
        with gr.Row(equal_height=True):
            question = gr.Textbox(elem_id="question", show_label=False, scale=5, max_length=MAX_QUESTION_CHARS,
                                  placeholder="例: DX推進リーダーって何をする人?", autofocus=True, max_lines=4)
            ask = gr.Button("質問する", elem_id="ask", variant="primary", scale=1, min_width=90)
        gr.HTML(articles_html(ctx.retriever))

        def ask_fn(message: str, history: list, current: dict) -> tuple[list, str, dict]:
            return on_ask(ctx, message, history, current)

        def example_fn(history: list, current: dict, data: gr.SelectData) -> tuple[list, str, dict]:
            chosen = data.value.get("text", "") if isinstance(data.value, dict) else str(data.value)
            return on_ask(ctx, chosen, history, current)

        def vote_fn(current: dict, data: gr.LikeData) -> None:
            on_vote(ctx, current, data.index, data.liked)

        def chat(question: str) -> str:
            """Answer one question with a citation card (HTML), the same reply the page shows."""
            return respond(ctx, question).html

        events = {"inputs": [question, chatbot, state], "outputs": [chatbot, question, state],
                  "api_visibility": "private"}
        question.submit(ask_fn, **events)
        ask.click(ask_fn, **events)
        chatbot.example_select(example_fn, [chatbot, state], [chatbot, question, state], api_visibility="private")
        chatbot.like(vote_fn, [state], None, api_visibility="private")
        chatbot.clear(new_state, None, state, api_visibility="private")
        gr.api(chat, api_name="chat")
    return page


# -- the JSON API, /embed and /widget.js ---------------------------------------------------------
class ArticleRef(BaseModel):
    title: str
    url: str = Field(description="the article page")


class HitOut(BaseModel):
    id: str
    score: float = Field(description="calibrated probability that this passage answers the question, 0..1")
    text: str = Field(description="the answer, verbatim from the article")
    speaker: str = Field(description='who says it, e.g. "Oさん"; empty for article text')
    question: str = Field(description="the interviewer's question this passage answers; may be empty")
    section: str
    article: ArticleRef
    url: str = Field(description="link to the passage: the article URL with a #:~:text= fragment")


class AskResponse(BaseModel):
    """Exactly what ``python -m retrieval ask --json`` prints."""

    query: str
    answered: bool = Field(description="false: the articles contain no answer (the hits are only the nearest)")
    hits: list[HitOut]


class AskRequest(BaseModel):
    q: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, examples=["DX推進リーダーって何をする人?"])
    k: int = Field(5, ge=1, le=MAX_K, description="how many passages, best first")


class ApiError(BaseModel):
    error: str = Field(description="empty, too_long, no_words, not_text, bad_k, invalid_json, not_json, "
                                   "too_large, rate_limited, unauthorized or internal")
    message: str


ERRORS = {400: {"model": ApiError, "description": "the question or k cannot be used"},
          429: {"model": ApiError, "description": "too many questions from this address (see Retry-After)"},
          500: {"model": ApiError, "description": "unexpected failure (details only in the server log)"}}
ASK_DOC = {"summary": "Quoted answers to a question", "response_model": None,
           "responses": {200: {"model": AskResponse}, **ERRORS}}


def problem(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status, headers)


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


class Guard:
    """Pure ASGI middleware: who may frame which page, no MIME sniffing, no-store on API answers."""

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        self.app = app
        ancestors = " ".join(["'self'", *origins])
        self.headers = {
            "/embed": {"Content-Security-Policy": "default-src 'none'; script-src 'self'; connect-src 'self'; "
                       "style-src 'self' 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; "
                       f"frame-ancestors {ancestors}"},
            "/widget.js": {"Cross-Origin-Resource-Policy": "cross-origin"},  # a script any page may load
            "/api/": {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
                      "Cache-Control": "no-store"},
            "": {"Content-Security-Policy": "frame-ancestors 'self'", "X-Frame-Options": "SAMEORIGIN"},
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        extra = self.headers.get(path) or self.headers["/api/" if path.startswith("/api/") else ""]
        extra = {**extra, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_api(api: FastAPI, ctx: Context, settings: Settings) -> None:
    """/api/ask (GET, POST), /api/reload (token), /embed and /widget.js, on ``api`` (before the page mount).

    Rate limiting uses the maintained ``limits`` package directly (the library slowapi is built
    on) rather than slowapi's decorators: the limiter then lives in this app instance (no module
    state), GET and POST share one bucket per client, and a refusal has this API's JSON error shape.
    """
    limiter, rates = MovingWindowRateLimiter(MemoryStorage()), parse_many(settings.rate_limit)
    searches = CapacityLimiter(API_SEARCHES)
    widget, embed = (STATIC / "widget.js").read_bytes(), (STATIC / "embed.html").read_bytes()

    def refused(request: Request, bucket: str) -> JSONResponse | None:
        # request.client is the peer, or the X-Forwarded-For client when the peer is a trusted proxy
        # (uvicorn: --forwarded-allow-ips, default 127.0.0.1), so a proxy on this host works too.
        key = (bucket, request.client.host if request.client else "unknown")
        if all(limiter.test(rate, *key) for rate in rates):
            for rate in rates:
                limiter.hit(rate, *key)
            return None
        reset = max(limiter.get_window_stats(rate, *key).reset_time for rate in rates if not limiter.test(rate, *key))
        wait = max(1, math.ceil(reset - time.time()))
        return problem(429, "rate_limited", f"too many requests from this address; try again in {wait} s",
                       {"Retry-After": str(wait)})

    async def answer(q: object, k: object) -> Response:
        try:
            result = await to_thread.run_sync(lambda: ctx.retriever.search(q, k), limiter=searches)
        except QueryError as error:
            return problem(400, error.code, str(error))
        except Exception:  # the details go to the server log only
            log.exception("/api/ask failed")
            return problem(500, "internal", "the answer could not be computed; please try again later")
        return JSONResponse(result.to_dict())

    @api.get("/api/ask", **ASK_DOC, openapi_extra={"parameters": [
        {"name": "q", "in": "query", "required": True, "schema": AskRequest.model_json_schema()["properties"]["q"]},
        {"name": "k", "in": "query", "required": False, "schema": AskRequest.model_json_schema()["properties"]["k"]},
    ]})
    async def ask_get(request: Request) -> Response:
        """The ``k`` passages that best answer ``q``, each a verbatim quote with its citation."""
        if limited := refused(request, "ask"):
            return limited
        q, k = request.query_params.get("q", ""), request.query_params.get("k", "5")
        return await answer(q, int(k) if k.isascii() and k.isdigit() and len(k) < 4 else k)

    @api.post("/api/ask", **(ASK_DOC | {"responses": {**ASK_DOC["responses"], 413: {"model": ApiError},
                                                       415: {"model": ApiError}}}),
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": AskRequest.model_json_schema()}}}})
    async def ask_post(request: Request) -> Response:
        """Same as GET, with a JSON body ``{"q": "...", "k": 5}``."""
        if limited := refused(request, "ask"):
            return limited
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return problem(415, "not_json", 'send JSON with Content-Type: application/json, e.g. {"q": "...", "k": 5}')
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return problem(413, "too_large", f"the request body is larger than {MAX_BODY_BYTES} bytes")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            return problem(400, "invalid_json", 'the body must be a JSON object like {"q": "...", "k": 5}')
        return await answer(data.get("q", ""), data.get("k", 5))

    @api.post("/api/reload", include_in_schema=False)
    async def reload(request: Request) -> Response:
        """Load the newest index generation now. Needs ``Authorization: Bearer $APP_ADMIN_TOKEN``."""
        if limited := refused(request, "reload"):
            return limited
        sent = request.headers.get("authorization", "").encode()
        if not settings.admin_token or not hmac.compare_digest(sent, f"Bearer {settings.admin_token}".encode()):
            return problem(401, "unauthorized", "a valid admin token is required", {"WWW-Authenticate": "Bearer"})
        if not isinstance(ctx.source, LiveRetriever):
            return JSONResponse({"reloaded": False})
        before = ctx.source.generation
        await to_thread.run_sync(ctx.source.refresh)
        return JSONResponse({"reloaded": ctx.source.generation != before})

    @api.api_route("/widget.js", methods=["GET", "HEAD"], include_in_schema=False)
    def widget_js() -> Response:
        return Response(widget, media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"})

    @api.api_route("/embed", methods=["GET", "HEAD"], include_in_schema=False)
    def embed_page() -> Response:
        return HTMLResponse(embed, headers={"Cache-Control": "public, max-age=300"})

    @api.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.error("unexpected error on %s", request.url.path, exc_info=error)
        return problem(500, "internal", "unexpected server error")


def create_app(retriever: Retriever | LiveRetriever, settings: Settings) -> FastAPI:
    """The web app: FastAPI with the JSON API, /embed and /widget.js, and the chat page mounted at "/"."""
    now = retriever.current() if isinstance(retriever, LiveRetriever) else retriever
    ctx = Context(retriever, FeedbackStore(settings.db), tuple(example_questions(now, 3)))
    page = build_page(ctx).queue(max_size=settings.queue_size, default_concurrency_limit=settings.concurrency)
    # The OpenAPI description is public; Swagger UI (/docs) stays off: it loads scripts from a CDN.
    api = FastAPI(title="せたがやDXインタビュー Q&A API", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", version="1",
                  description="Quoted answers from the Setagaya DX interviews (docs/api.md).")
    add_api(api, ctx, settings)
    # One CORS policy for every route, Gradio's included: Gradio's own CORS layer, which would let
    # any site read its endpoints, stands aside when the parent app has a CORSMiddleware.
    api.add_middleware(CORSMiddleware, allow_origins=list(settings.allowed_origins), allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"], max_age=600)
    api.add_middleware(Guard, origins=settings.allowed_origins)
    private = [str(Path(p).resolve()) for p in (settings.seeds, settings.index, settings.db.parent)]
    theme = gr.themes.Soft(font=["Noto Sans CJK JP", "Noto Sans JP", "system-ui", "sans-serif"],
                           font_mono=["Noto Sans Mono CJK JP", "monospace"])
    return gr.mount_gradio_app(
        api, page, path="/", footer_links=["api"], run_history=False, allowed_paths=[], blocked_paths=private,
        show_error=False, enable_monitoring=False, ssr_mode=False, pwa=False, mcp_server=False, max_file_size="1kb",
        theme=theme, css=CSS,
    )


def open_retriever(settings: Settings) -> Retriever:
    """Load the index; if there is none (or it cannot be used), build it from the seeds first."""
    say = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    try:
        return Retriever.load(settings.index)
    except RetrievalError as error:
        say(f"{error}\nbuilding the index in {settings.index} from {settings.seeds} ...")
    return Retriever.build(load_seeds(settings.seeds), settings.index, model=settings.model, progress=say)


def main(argv: Sequence[str] | None = None) -> int:
    settings = settings_from(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        retriever = open_retriever(settings)
    except RetrievalError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # Serve new index generations written by `python -m retrieval add/remove` without a restart.
    app = create_app(LiveRetriever(settings.index, retriever.embedder), settings)
    print(f"* Running on http://{settings.host}:{settings.port}", file=sys.stderr, flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
