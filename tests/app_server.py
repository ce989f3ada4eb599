"""Runs app.py's web app on a free local port in a background thread, for tests that need a server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

import app
from web.server import server_options


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(retriever: object, settings: app.Settings) -> Iterator[str]:
    """The app at http://127.0.0.1:PORT/ until the block ends."""
    port = free_port()
    options = server_options("127.0.0.1", port, settings.trusted_proxies)  # as app.py serves it
    server = uvicorn.Server(uvicorn.Config(app.create_app(retriever, settings), **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
