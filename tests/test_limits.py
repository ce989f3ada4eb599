"""One client's limits cover the chat page's own endpoints and feedback too (web/limits.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from app_server import serving
from fastapi.testclient import TestClient
from gradio_client import Client

import app
from retrieval import FeedbackStore, Retriever
from web.limits import ClientLimits
from web.page import Context, new_state, on_ask, on_vote

LEADER = "DX推進リーダーって何をする人？"
UNANSWERABLE = "住民票の写しはコンビニで取れますか"


def make_client(retriever: Retriever, tmp_path: Path, rate: str) -> TestClient:
    settings = app.Settings(index=tmp_path / "index", db=tmp_path / "feedback.sqlite3", rate_limit=rate)
    return TestClient(app.create_app(retriever, settings), raise_server_exceptions=False)


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "rate_limited" and int(response.headers["Retry-After"]) >= 1


def test_a_burst_on_the_chat_endpoint_gets_the_same_limit_as_the_api(fake_retriever: Retriever,
                                                                      tmp_path: Path) -> None:
    settings = app.Settings(index=tmp_path / "index", db=tmp_path / "feedback.sqlite3", rate_limit="3/minute")
    with serving(fake_retriever, settings) as url:
        chat = Client(url, verbose=False)
        assert "DX推進リーダー" in chat.predict(LEADER, api_name="/chat")  # 1 (Client's own /info calls are free)
        assert httpx.get(f"{url}api/ask", params={"q": LEADER}).status_code == 200  # 2: one bucket for both
        assert httpx.post(f"{url}gradio_api/call/chat", json={"data": [LEADER]}).status_code == 200  # 3
        for path in ("gradio_api/call/chat", "gradio_api/run/chat", "gradio_api/queue/join"):
            assert_rate_limited(httpx.post(url + path, json={"data": [LEADER], "fn_index": 0}))
        assert_rate_limited(httpx.get(f"{url}api/ask", params={"q": LEADER}))


def test_the_page_itself_still_answers_within_the_limit(fake_retriever: Retriever, tmp_path: Path) -> None:
    with make_client(fake_retriever, tmp_path, "3/minute") as client:
        assert client.get("/").status_code == 200 and client.get("/gradio_api/info").status_code == 200
        for _ in range(3):
            assert client.post("/gradio_api/call/chat", json={"data": [LEADER]}).status_code == 200
        assert_rate_limited(client.post("/gradio_api/call/chat", json={"data": [LEADER]}))


@pytest.mark.parametrize("path", ["/gradio_api/upload", "/gradio_api/upload?upload_id=x",
                                  "/gradio_api/process_recording"])
def test_an_upload_is_refused_and_nothing_is_stored(fake_retriever: Retriever, tmp_path: Path, path: str) -> None:
    with make_client(fake_retriever, tmp_path, "100/minute") as client:
        response = client.post(path, files={"files": ("a.html", b"<script>alert(1)</script>", "text/html")})
        assert response.status_code == 403 and response.json()["error"] == "forbidden"


def test_a_flood_of_unanswered_questions_from_one_client_adds_a_bounded_number_of_rows(
        fake_retriever: Retriever, tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    ctx = Context(fake_retriever, store, (), ClientLimits("1000/minute", feedback_rate="10/minute"))
    for number in range(40):
        on_ask(ctx, f"{UNANSWERABLE} その{number}", [], new_state(), client="203.0.113.7")
    for _ in range(20):
        on_ask(ctx, UNANSWERABLE, [], new_state(), client="203.0.113.8")
    rows = store.unanswered()
    assert len([r for r in rows if "その" in r["question"]]) == 10  # the per-client bound
    assert len([r for r in rows if r["question"] == UNANSWERABLE]) == 1  # the same question counts once
    on_ask(ctx, UNANSWERABLE, [], new_state(), client="198.51.100.1")  # another reader still counts
    assert len(store.unanswered()) == 12


def test_the_widgets_unanswered_questions_reach_the_editors_report_bounded_like_the_pages(
        fake_retriever: Retriever, tmp_path: Path) -> None:
    """/api/ask (what the widget asks) stores a question it does not answer, once per client however often."""
    with make_client(fake_retriever, tmp_path, "100/minute") as client:
        for _ in range(3):
            assert client.get("/api/ask", params={"q": UNANSWERABLE}).json()["answered"] is False
            assert client.post("/api/ask", json={"q": UNANSWERABLE}).json()["answered"] is False
        assert client.get("/api/ask", params={"q": LEADER}).json()["answered"] is True
    rows = FeedbackStore(tmp_path / "feedback.sqlite3").unanswered()
    assert [row["question"] for row in rows] == [UNANSWERABLE]


def test_votes_on_the_same_question_count_once_per_client(fake_retriever: Retriever, tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    ctx = Context(fake_retriever, store, (), ClientLimits("1000/minute"))
    history, _, state = on_ask(ctx, LEADER, [], new_state(), client="203.0.113.7")
    results = [on_vote(ctx, state, len(history) - 1, liked, client="203.0.113.7") for liked in (False,) * 30]
    assert results.count(True) == 1 and len(store.votes()) == 1


@pytest.mark.parametrize("number", [999, -1, "0", True, 1.5])
def test_a_queue_call_naming_no_function_of_the_page_gets_a_short_refusal(fake_retriever: Retriever, tmp_path: Path,
                                                                         number: object) -> None:
    with make_client(fake_retriever, tmp_path, "100/minute") as client:
        response = client.post("/gradio_api/queue/join",
                               json={"data": [LEADER], "fn_index": number, "session_hash": "abc"})
        assert response.status_code == 422 and response.json()["error"] == "unknown_function", response.text
        assert client.post("/gradio_api/call/chat", json={"data": [LEADER]}).status_code == 200  # the app goes on


def test_a_queue_call_the_page_makes_still_reaches_gradio(fake_retriever: Retriever, tmp_path: Path) -> None:
    with make_client(fake_retriever, tmp_path, "100/minute") as client:
        config = client.get("/config").json()
        number = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "chat")
        response = client.post("/gradio_api/queue/join",
                               json={"data": [LEADER], "fn_index": number, "session_hash": "abc"})
        assert response.status_code == 200 and "event_id" in response.json(), response.text


def test_an_event_stream_for_a_session_the_queue_does_not_hold_ends_quietly(
        fake_retriever: Retriever, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A tab left open across a restart asks for its old session: Gradio's own "session not found"
    message, and no error in the server log."""
    with make_client(fake_retriever, tmp_path, "100/minute") as client, caplog.at_level("INFO"):
        response = client.get("/gradio_api/queue/data", params={"session_hash": "gone"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        assert '"session_not_found":true' in response.text
        assert client.get("/gradio_api/queue/data").status_code == 422  # no session named: Gradio's answer
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")], caplog.text
