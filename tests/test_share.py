"""Ways in from note.com (web/share.py): answer permalinks with link-card tags, oEmbed, the card JSON.

Fast: the fake-embedder index and FastAPI's TestClient.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

import app
from retrieval import Retriever, answer
from web.cards import render_answer

LEADER = "DX推進リーダーって何をする人?"
BASE = "http://testserver/"


@pytest.fixture(scope="module")
def client(fake_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("share")
    settings = app.Settings(index=folder / "index", db=folder / "fb.sqlite3", rate_limit="100000/minute")
    with TestClient(app.create_app(fake_retriever, settings)) as client:
        yield client


def tags(page: str) -> dict[str, str]:
    """``<meta property|name=... content=...>`` and ``<link rel=... href=...>`` of a page, unescaped."""
    meta = re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', page)
    found = {key: html.unescape(value) for key, value in meta}
    found.update({rel: html.unescape(href) for rel, href in re.findall(r'<link rel="(\w+)"[^>]* href="([^"]*)"', page)})
    return found


def test_a_permalink_carries_the_tags_a_link_card_is_built_from(client: TestClient) -> None:
    response = client.get("/a", params={"q": LEADER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    found = tags(response.text)
    assert found["og:title"] == f"{LEADER} | せたがやDXインタビュー Q&A"
    assert found["og:description"].startswith("「各部署1人ずつDX推進リーダーを任命し")
    assert found["og:description"].endswith("」— Oさん(DX推進担当部 DX推進担当課)")
    assert len(found["og:description"]) <= 120
    assert parse_qs(urlsplit(found["og:url"]).query) == {"q": [LEADER]}
    assert found["og:url"].startswith(f"{BASE}a?")
    assert found["twitter:card"] == "summary" and found["twitter:title"] == found["og:title"]
    # a browser is taken to the chat page, which asks the question on load
    refresh = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', response.text).group(1)
    assert parse_qs(urlsplit(html.unescape(refresh)).query) == {"q": [LEADER]}


def test_the_oembed_discovery_link_answers_valid_oembed_json(client: TestClient) -> None:
    discovery = tags(client.get("/a", params={"q": LEADER}).text)["alternate"]
    assert discovery.startswith(f"{BASE}oembed?")
    data = client.get(discovery.removeprefix(BASE.rstrip("/"))).json()
    assert data["version"] == "1.0" and data["type"] == "rich"
    assert isinstance(data["width"], int) and isinstance(data["height"], int)
    assert data["provider_name"] == "せたがやDXインタビュー Q&A" and data["provider_url"] == BASE
    src = html.unescape(re.fullmatch(r'<iframe src="([^"]+)" .*></iframe>', data["html"]).group(1))
    assert src.startswith(f"{BASE}embed?") and parse_qs(urlsplit(src).query) == {"q": [LEADER]}
    plain = client.get("/oembed", params={"url": BASE, "maxwidth": "320"}).json()  # the chat page itself
    assert html.unescape(re.search(r'src="([^"]+)"', plain["html"]).group(1)) == f"{BASE}embed"
    assert plain["width"] == 320


def test_oembed_refuses_other_sites_and_other_formats(client: TestClient) -> None:
    assert client.get("/oembed", params={"url": "https://evil.example/a?q=x"}).status_code == 404
    assert client.get("/oembed", params={"url": f"{BASE}gradio_api/info"}).status_code == 404
    assert client.get("/oembed", params={"url": BASE, "format": "xml"}).status_code == 501


def test_html_in_a_permalink_question_stays_text(client: TestClient) -> None:
    planted = '"><script>alert(1)</script>'
    page = client.get("/a", params={"q": planted}).text
    assert "<script>" not in page and tags(page)["og:title"].startswith(planted)


def test_an_unanswerable_permalink_says_so_and_the_plain_one_describes_the_service(client: TestClient) -> None:
    assert tags(client.get("/a", params={"q": "住民票の写しはコンビニで取れますか"}).text)["og:description"] == (
        "記事の中には、この質問に答えている箇所が見つかりませんでした。")
    assert "職員ご本人の言葉" in tags(client.get("/a").text)["og:description"]


def test_every_answer_card_links_to_its_permalink(client: TestClient, fake_retriever: Retriever) -> None:
    assert client.get("/api/card").json()["labels"]["permalink"] == "この回答へのリンク"
    card = render_answer(answer(fake_retriever, LEADER), ())
    link = html.unescape(re.search(r'<div class="meta share"><a href="([^"]+)"', card).group(1))
    assert link.startswith("a?") and parse_qs(urlsplit(link).query) == {"q": [LEADER]}


def test_the_chat_page_itself_carries_link_card_tags_and_oembed_discovery(client: TestClient) -> None:
    found = tags(client.get("/").text)
    assert found["og:title"] == "せたがやDXインタビュー Q&A" and "職員ご本人の言葉" in found["og:description"]
    assert found["og:url"] == BASE and found["canonical"] == BASE
    data = client.get(found["alternate"].removeprefix(BASE.rstrip("/"))).json()
    assert data["type"] == "rich" and f'src="{BASE}embed"' in data["html"]
