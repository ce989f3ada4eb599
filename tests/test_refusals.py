"""Requests that go wrong on the client's side: an aborted body, raw protocol errors, forwarded addresses."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from app_server import serving

import app
from retrieval import Retriever


def raw(url: str, data: bytes, close_after: float | None = None) -> bytes:
    """Send ``data`` to the server as it is; return what comes back (nothing if ``close_after``)."""
    host, port = url.split("//")[1].strip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(data)
        if close_after is not None:
            time.sleep(close_after)
            return b""
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer


@pytest.fixture(scope="module")
def server(fake_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("refusals")
    with serving(fake_retriever, app.Settings(index=folder / "index", db=folder / "f.db")) as url:
        yield url


@pytest.mark.parametrize("body", [
    b"Content-Length: 1000\r\n\r\n{\"q\": ",
    b"Transfer-Encoding: chunked\r\n\r\n6\r\n{\"q\": \r\n",
])
def test_an_aborted_body_logs_one_info_line_and_no_traceback(server: str, body: bytes,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    raw(server, b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + body, close_after=0.3)
    deadline = time.monotonic() + 5
    while not caplog.records and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    records = [r for r in caplog.records if not r.name.startswith(("httpx", "gradio"))]
    assert [(r.levelname, r.name) for r in records] == [("INFO", "web.api")], [r.getMessage() for r in records]
    assert "closed the connection" in records[0].getMessage() and records[0].exc_info is None
