"""Per-client limits shared by every route that runs a search or writes feedback (docs/api.md).

One :class:`ClientLimits` per app: ``/api/ask``, the chat page's own Gradio endpoints
(``/gradio_api/queue/join``, ``/run/…``, ``/call/…``, ``/api/…``) and the feedback writes all count
against it, so a client cannot get round the API's limit by calling Gradio directly, nor flood the
feedback database. :class:`GradioGate` applies it in front of Gradio and refuses uploads (the page
has none). Counters live in memory, per process (the maintained ``limits`` package).
"""

from __future__ import annotations

import json
import math
import time

from fastapi.responses import JSONResponse, Response
from limits import RateLimitItem, parse, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from retrieval import normalize_question

# A client may add at most this many feedback rows (unanswered questions and votes together) ...
FEEDBACK_RATE = "10/minute;200/day"
# ... and the same question counts once a day per client, however often it is asked or voted on.
SAME_QUESTION_RATE = "1/day"
# Gradio routes that run one of the page's functions (each a search, a vote or a list refresh).
GRADIO_CALLS = ("/gradio_api/queue/join", "/gradio_api/run/", "/gradio_api/call/", "/gradio_api/api/",
                "/gradio_api/component_server")
GRADIO_REFUSED = ("/gradio_api/upload", "/gradio_api/process_recording")
# A queue call names the page's function by number; Gradio fails inside on a number it does not have
# (a KeyError, a traceback in the log and a broken event stream), so the gate checks it first. Bodies
# larger than this are passed on unread (the page's own calls are a few kilobytes).
QUEUE_JOIN = "/gradio_api/queue/join"
READ_LIMIT = 256 * 1024
# A reader's event stream for a session the queue does not hold (a tab left open across a restart): Gradio
# sends this message and then raises inside the stream, which logs two tracebacks per reconnect. The gate
# sends the same message itself and nothing is raised.
QUEUE_DATA = "/gradio_api/queue/data"
NO_SESSION = (b'data: {"msg":"unexpected_error","event_id":null,"message":"404: Not Found",'
              b'"session_not_found":true,"success":false}\n\n')


def problem(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """A refusal in this API's shape: ``{"error": CODE, "message": "what is wrong"}``."""
    return JSONResponse({"error": code, "message": message}, status, headers)


def client_of(scope: Scope) -> str:
    """The client address: the peer, or the X-Forwarded-For client when the peer is a proxy the
    operator named (uvicorn rewrites ``scope["client"]`` then; see app.py ``--trusted-proxy``)."""
    client = scope.get("client")
    return client[0] if client else "unknown"


class ClientLimits:
    """Moving-window counters per client address: questions (``rate``) and feedback rows."""

    def __init__(self, rate: str, feedback_rate: str = FEEDBACK_RATE) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._rates = parse_many(rate)
        self._feedback = parse_many(feedback_rate)
        self._same_question: RateLimitItem = parse(SAME_QUESTION_RATE)

    def _take(self, rates: list[RateLimitItem], *key: str) -> float:
        """0 when allowed (and counted), else the seconds until the next one would be."""
        if all(self._limiter.test(rate, *key) for rate in rates):
            for rate in rates:
                self._limiter.hit(rate, *key)
            return 0
        blocked = [rate for rate in rates if not self._limiter.test(rate, *key)]
        reset = max(self._limiter.get_window_stats(rate, *key).reset_time for rate in blocked)
        return max(1, math.ceil(reset - time.time()))

    def refused(self, client: str, bucket: str = "ask") -> JSONResponse | None:
        """A 429 when ``client`` is over the rate in ``bucket``; else None (and the request counts)."""
        wait = self._take(self._rates, bucket, client)
        if not wait:
            return None
        return problem(429, "rate_limited", f"too many requests from this address; try again in {wait} s",
                       {"Retry-After": str(wait)})

    def feedback_allowed(self, client: str, question: str) -> bool:
        """Whether ``client`` may add a feedback row about ``question`` now (counted when True)."""
        key = normalize_question(question)
        if not self._limiter.test(self._same_question, "same-question", client, key):
            return False
        if self._take(self._feedback, "feedback", client):
            return False
        return self._limiter.hit(self._same_question, "same-question", client, key)


class GradioGate:
    """Pure ASGI middleware: Gradio calls share ``/api/ask``'s per-client limit; uploads are refused;
    a queue call naming a function the page does not have is refused, and an event stream for a session
    the queue does not hold gets Gradio's own "session not found" message without Gradio raising (the
    page: ``app.state.page``, set when it is mounted)."""

    def __init__(self, app: ASGIApp, limits: ClientLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/gradio_api/"):
            refusal = None
            if path.startswith(GRADIO_REFUSED):
                refusal = problem(403, "forbidden", "this app accepts no uploads")
            elif scope["method"] == "POST" and path.startswith(GRADIO_CALLS):
                refusal = self.limits.refused(client_of(scope))
            if refusal is None and scope["method"] == "POST" and path == QUEUE_JOIN:
                refusal, receive = await unknown_function(scope, receive)
            if refusal is None and scope["method"] == "GET" and path == QUEUE_DATA and not session_held(scope):
                refusal = Response(NO_SESSION, media_type="text/event-stream")
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


def mounted_page(scope: Scope) -> object | None:
    """The Gradio page the app mounted (``web.page.mount_page``), or None."""
    return getattr(getattr(scope.get("app"), "state", None), "page", None)


def session_held(scope: Scope) -> bool:
    """Whether Gradio's queue holds the session a ``queue/data`` request names (True when it cannot tell:
    then Gradio answers as it does)."""
    sessions = getattr(getattr(mounted_page(scope), "_queue", None), "pending_messages_per_session", None)
    if not isinstance(sessions, dict):
        return True
    session = QueryParams(scope.get("query_string", b"").decode("latin-1")).get("session_hash")
    return session is None or session in sessions  # without one, Gradio's own check answers 422


async def unknown_function(scope: Scope, receive: Receive) -> tuple[JSONResponse | None, Receive]:
    """(a 422 refusal if a queue call names a function the page does not have, else None; ``receive`` that
    replays what was read). Anything else about the body is left to Gradio."""
    known = getattr(mounted_page(scope), "fns", None)
    messages, size = [], 0
    while known is not None and size <= READ_LIMIT:
        message = await receive()
        messages.append(message)
        size += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body"):
            break

    async def replay() -> dict:
        return messages.pop(0) if messages else await receive()
    if known is None or size > READ_LIMIT or messages[-1].get("more_body"):
        return None, replay
    try:
        body = json.loads(b"".join(m.get("body", b"") for m in messages))
    except ValueError:
        return None, replay
    number = body.get("fn_index") if isinstance(body, dict) else None
    if number is None or (isinstance(number, int) and not isinstance(number, bool) and number in known):
        return None, replay
    return problem(422, "unknown_function", "no such function on this page"), replay
