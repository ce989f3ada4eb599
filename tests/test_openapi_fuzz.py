"""Schemathesis against /api/ask: generated requests from the OpenAPI description, every answer
checked against it (status codes, content types, response schemas, no 5xx), on the fake embedder."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

import app
from retrieval import HashingEmbedder, Retriever, load_seeds

ROOT = Path(__file__).resolve().parent.parent
INDEX = Path(__import__("tempfile").mkdtemp(prefix="schemathesis-")) / "index"
Retriever.build(load_seeds(ROOT / "seeds"), INDEX, embedder=HashingEmbedder())
APP = app.create_app(Retriever.load(INDEX), app.Settings(index=INDEX, db=INDEX.parent / "feedback.sqlite3",
                                                         rate_limit="1000000/minute"))
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@schema.include(path="/api/ask").parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_ask_behaves_as_its_openapi_description_says(case: schemathesis.Case) -> None:
    case.call_and_validate()


@schema.include(path="/api/vote").parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_vote_behaves_as_its_openapi_description_says(case: schemathesis.Case) -> None:
    case.call_and_validate()
