"""Requests that go wrong on the client's side: an aborted body, raw protocol errors, forwarded addresses."""

from __future__ import annotations

import json
import logging
import socket
import time
from pathlib import Path

import httpx
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


@pytest.mark.parametrize("request_bytes", [
    b"GET /api/ask?q=" + b"a" * 20_000,  # a request line still unfinished after h11's 16 KB
    b"GET /api/ask?q=DX HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",  # a NUL in a header
    b"GET /api/ask?q=DX HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS to a plain port\r\n\r\n",
], ids=["long request line", "NUL in a header", "space in a header name", "TLS hello"])
def test_a_request_uvicorn_refuses_before_the_app_still_gets_a_json_error(server: str, request_bytes: bytes) -> None:
    answer = raw(server, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"content-type: application/json" in head.lower(), answer[:300]
    assert json.loads(body)["error"] == "bad_request"


def rate_limited_after_three(url: str, addresses: list[str]) -> list[int]:
    return [httpx.get(f"{url}api/ask", params={"q": "DX"}, headers={"X-Forwarded-For": a}).status_code
            for a in addresses]


def test_forwarded_addresses_are_ignored_unless_the_proxy_is_named(fake_retriever: Retriever, tmp_path: Path) -> None:
    addresses = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]
    plain = app.Settings(index=tmp_path / "i", db=tmp_path / "a.db", rate_limit="3/minute")
    with serving(fake_retriever, plain) as url:  # a local process cannot rotate its address
        assert rate_limited_after_three(url, addresses) == [200, 200, 200, 429]
    behind = app.Settings(index=tmp_path / "i", db=tmp_path / "b.db", rate_limit="3/minute",
                          trusted_proxies=("127.0.0.1/32",))
    with serving(fake_retriever, behind) as url:  # behind a named proxy each client has its own bucket
        assert rate_limited_after_three(url, addresses) == [200, 200, 200, 200]
        assert rate_limited_after_three(url, ["203.0.113.1"] * 3) == [200, 200, 429]


def test_trusted_proxies_come_from_flags_then_environment() -> None:
    assert app.settings_from([], {}).trusted_proxies == ()
    assert app.settings_from([], {"APP_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"}).trusted_proxies == (
        "10.0.0.5/32", "10.1.0.0/16")
    flags = ["--trusted-proxy", "::1", "--trusted-proxy", "192.168.1.1"]
    assert app.settings_from(flags, {"APP_TRUSTED_PROXIES": "10.0.0.5"}).trusted_proxies == ("::1/128",
                                                                                             "192.168.1.1/32")
    with pytest.raises(SystemExit):
        app.settings_from(["--trusted-proxy", "everyone"], {})


@pytest.mark.parametrize("k", ["５", "٥", "0", "21", "five", "2.5"])
def test_the_cli_refuses_the_k_values_the_api_refuses(k: str, fake_index: Path, run_cli: object) -> None:
    done = run_cli("ask", "DX推進リーダーって何をする人?", "--k", k, "--index", str(fake_index))
    assert done.returncode == 2 and "Traceback" not in done.stderr and "k" in done.stderr.splitlines()[-1]
