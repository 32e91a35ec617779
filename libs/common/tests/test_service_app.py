"""create_service_app on a small example router: problems for every kind of failure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from enforcement_common.api.problems import ProblemError
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.app import create_service_app
from enforcement_common.config import BaseServiceSettings
from enforcement_common.migrations import upgrade
from enforcement_common.testing.infra import kafka_bootstrap

API_EXAMPLE = Path(__file__).resolve().parent / "api"  # its migrations: the platform tables


class ExampleSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_", extra="ignore")
    service_name: ClassVar[str] = "example-service"


class NoteCreate(BaseModel):
    title: str = Field(min_length=1)
    pages: int = Field(ge=1)


router = ServiceRouter()


@router.post("/notes", status_code=201)
async def create_note(body: NoteCreate) -> NoteCreate:
    return body


@router.post("/refusals")
async def refuse() -> None:
    raise ProblemError(422, "review.basic_standard_failed", "A basic standard is not met.", basis=["REV-13"])


@router.get("/crash")
async def crash() -> None:
    raise RuntimeError("secret internals")


@pytest.fixture
async def client(scratch_database: str) -> AsyncIterator[httpx.AsyncClient]:
    # The platform tables (audit log, idempotency keys): a write commits only with its audit entry.
    url = scratch_database.replace("postgresql://", "postgresql+asyncpg://")
    await asyncio.to_thread(upgrade, API_EXAMPLE, url)
    settings = ExampleSettings(database_url=url, kafka_bootstrap_servers=kafka_bootstrap())
    app = create_service_app(settings, title="Example", description="example", routers=[router])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://example.test") as client:
            yield client


async def test_valid_request_passes(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/notes", json={"title": "案卷", "pages": 3})
    assert response.status_code == 201 and response.json() == {"title": "案卷", "pages": 3}


async def test_validation_error_lists_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/notes", json={"title": "", "pages": 0})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "request.invalid" and body["title"] == "请求参数不合法"
    assert sorted(tuple(e["loc"]) for e in body["errors"]) == [("body", "pages"), ("body", "title")]


async def test_malformed_json_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/notes", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["code"] == "request.malformed_json"


async def test_wrong_method_is_a_problem_in_english_when_asked(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/notes", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response.status_code == 405
    assert response.json()["title"] == "Method not allowed" and response.json()["code"] == "http.method_not_allowed"


async def test_metrics_label_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/notes", json={"title": "x", "pages": 1})
    await client.get("/api/v1/nothing-here")
    text = (await client.get("/metrics")).text
    assert 'http_requests_total{method="POST",route="/api/v1/notes",service="example-service",status="201"} 1.0' in text
    assert 'route="<unmatched>",service="example-service",status="404"' in text


async def test_domain_refusal_carries_code_and_basis(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/refusals")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "review.basic_standard_failed" and body["basis"] == ["REV-13"]
    assert body["type"] == "urn:enforcement:problem:review.basic_standard_failed"


async def test_unexpected_error_hides_internals_and_gives_correlation_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/crash", headers={"X-Correlation-ID": "corr-42"})
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal.error" and body["correlation_id"] == "corr-42"
    assert "secret internals" not in response.text and "Traceback" not in response.text


async def test_invalid_correlation_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Correlation-ID": "bad id with spaces"})
    generated = response.headers["x-correlation-id"]
    assert generated != "bad id with spaces" and len(generated) == 36
