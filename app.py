"""The chat page: ask about Setagaya ward's DX, get the ward staff's own words with a citation.

    python app.py [--host 127.0.0.1] [--port 7860] [--index DIR] [--seeds DIR] [--db PATH]
                  [--allow-origin https://note.com ...] [--rate-limit 30/minute] [--trusted-proxy ADDRESS ...]

Settings come from the flags, then environment variables (APP_HOST, APP_PORT, RETRIEVAL_INDEX,
RETRIEVAL_SEEDS, RETRIEVAL_DB, RETRIEVAL_MODEL, APP_ALLOWED_ORIGINS, APP_RATE_LIMIT, APP_TRUSTED_PROXIES, and
APP_ADMIN_TOKEN, which has no flag so that it never shows in a process list), then the defaults.
If the current index generation is damaged the newest intact one is served (and the damage named);
only when there is none is the index built from the seeds, under the update lock. Nothing is
generated: every reply is a quote from an article.

This file is the entry point: settings, start-up and ``create_app``. The web layer itself lives in
``web/``: ``web.cards`` renders reply cards, ``web.page`` is the Gradio chat page and its handlers,
``web.api`` the JSON API (/api/ask), /embed, /widget.js and the security layers (docs/app.md,
docs/api.md). The page is mounted at "/" of the API's FastAPI app.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI
from limits import parse_many

from retrieval import (
    DEFAULT_DB,
    DEFAULT_MODEL,
    FeedbackStore,
    LiveRetriever,
    RetrievalError,
    Retriever,
    open_index,
    setting_defaults,
)
from web.api import create_api
from web.limits import ClientLimits
from web.page import Context, mount_page
from web.server import server_options

QUEUE_SIZE = 32
CONCURRENCY = 2
RATE_LIMIT = "30/minute"  # per client address, for /api/ask (GET and POST together)


@dataclass(frozen=True)
class Settings:
    """Everything the app can be told at start-up (see ``settings_from``)."""

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
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For names the client (default: none)


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


def parse_proxy(value: str) -> str:
    """A proxy's address or network (``10.0.0.5``, ``10.0.0.0/8``, ``::1``), checked."""
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an IP address or network like 10.0.0.5 or "
                                         "10.0.0.0/8") from None


def parse_rate(value: str) -> str:
    """A rate limit in ``limits`` syntax (``30/minute``, ``5/second;100/hour``), checked."""
    try:
        parse_many(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a rate like 30/minute or 5/second;100/hour") from None
    return value


def settings_from(argv: Sequence[str] | None = None, env: dict[str, str] | None = None) -> Settings:
    """Flags, then environment variables, then defaults."""
    env = os.environ if env is None else env
    shared = setting_defaults(env)  # RETRIEVAL_INDEX, _SEEDS, _DB, _MODEL: the same reader as the CLI
    parser = argparse.ArgumentParser(description="Chat page: quoted answers from the ward staff interviews.")
    parser.add_argument("--host", default=env.get("APP_HOST", Settings.host))
    parser.add_argument("--port", type=int, default=int(env.get("APP_PORT", Settings.port)))
    parser.add_argument("--index", type=Path, default=Path(shared["index"]))
    parser.add_argument("--seeds", type=Path, default=Path(shared["seeds"]))
    parser.add_argument("--db", type=Path, default=Path(shared["db"]),
                        help="feedback database (default: %(default)s)")
    parser.add_argument("--allow-origin", dest="origins", action="append", type=parse_origin, metavar="ORIGIN",
                        help="a site whose pages may call /api/ask and frame /embed (repeatable; default: "
                             "APP_ALLOWED_ORIGINS, comma-separated, else none: only this app's own pages)")
    parser.add_argument("--rate-limit", type=parse_rate, default=env.get("APP_RATE_LIMIT", RATE_LIMIT),
                        help="questions per client address on /api/ask (default: %(default)s)")
    parser.add_argument("--trusted-proxy", dest="proxies", action="append", type=parse_proxy, metavar="ADDRESS",
                        help="a reverse proxy whose X-Forwarded-For header names the client (repeatable; address "
                             "or network; default: APP_TRUSTED_PROXIES, comma-separated, else none)")
    args = parser.parse_args(argv)

    def listed(values: list[str] | None, name: str, parse: Callable[[str], str]) -> tuple[str, ...]:
        if values is None:  # no flag: the environment variable, comma-separated
            try:
                values = [parse(v) for v in env.get(name, "").split(",") if v.strip()]
            except argparse.ArgumentTypeError as error:
                parser.error(f"{name}: {error}")
        return tuple(dict.fromkeys(values))

    origins = listed(args.origins, "APP_ALLOWED_ORIGINS", parse_origin)
    proxies = listed(args.proxies, "APP_TRUSTED_PROXIES", parse_proxy)
    return Settings(host=args.host, port=args.port, index=args.index, seeds=args.seeds, db=args.db,
                    model=shared["model"], allowed_origins=origins,
                    rate_limit=args.rate_limit, admin_token=env.get("APP_ADMIN_TOKEN", ""), trusted_proxies=proxies)


def create_app(retriever: Retriever | LiveRetriever, settings: Settings) -> FastAPI:
    """The web app: FastAPI with the JSON API, /embed and /widget.js, and the chat page mounted at "/"."""
    limits = ClientLimits(settings.rate_limit)  # one set of counters for the API and the page
    ctx = Context(retriever, FeedbackStore(settings.db), limits=limits)
    ctx.examples  # noqa: B018  drawn now rather than on the first page load
    api = create_api(ctx, allowed_origins=settings.allowed_origins, limits=limits, admin_token=settings.admin_token)
    return mount_page(api, ctx, queue_size=settings.queue_size, concurrency=settings.concurrency,
                      blocked_paths=[settings.seeds, settings.index, settings.db.parent])


def open_retriever(settings: Settings) -> Retriever:
    """The newest intact index generation; built from the seeds (under the update lock) if there is none."""
    say = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    return open_index(settings.index, settings.seeds, settings.model, say)


def main(argv: Sequence[str] | None = None) -> int:
    """``python app.py [flags]``: open (or build) the index and serve the app until stopped."""
    settings = settings_from(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        retriever = open_retriever(settings)
    except RetrievalError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # Serve new index generations written by `python -m retrieval add/remove` without a restart.
    app = create_app(LiveRetriever(settings.index, start=retriever), settings)
    print(f"* Running on http://{settings.host}:{settings.port}", file=sys.stderr, flush=True)
    uvicorn.run(app, **server_options(settings.host, settings.port, settings.trusted_proxies))
    return 0


if __name__ == "__main__":
    sys.exit(main())
