"""PostgreSQL going away is a 503, never a 500 (issue 15).

Every service's app runs on its own migrated database; the test instance's PostgreSQL
server is then stopped (a fast shutdown, deploy/local/pg.sh, as an operator's restart
does). Every operation of every service — reads, writes, and POSTs carrying an
``Idempotency-Key`` (whose claim is the transaction's first statement) — answers
``503 service.database_unavailable`` as a problem with ``Retry-After`` and the
correlation id, unless it answers without the database anyway (then exactly what it
answers with the database up). No 500, no text/plain. Started again, the same apps —
not restarted — serve requests, and a POST with an Idempotency-Key runs once and replays.

The server is started again whatever happens (the ``pg_control`` fixture): the other
tests of the session share it.
"""

from __future__ import annotations

import asyncio
import importlib
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from enforcement_common.auth.tokens import ROLES
from enforcement_common.testing.infra import PgControl, migrated_scratch_database
from enforcement_common.testing.kit import ServiceTestKit
from enforcement_common.topics import SERVICES

PROBLEM = "application/problem+json"
SKIPPED_PATHS = {"/healthz", "/readyz", "/metrics"}  # liveness and readiness have their own tests


@dataclass
class Running:
    name: str
    kit: ServiceTestKit
    app: FastAPI
    client: httpx.AsyncClient
    operations: list[tuple[str, str]]


def _kit(service: str) -> ServiceTestKit:
    package = service.replace("-", "_")
    main = importlib.import_module(f"{package}.main")
    config = importlib.import_module(f"{package}.config")
    return ServiceTestKit(create_app=main.create_app, settings_class=config.Settings, package=package)


def _operations(app: FastAPI) -> list[tuple[str, str]]:
    """(method, concrete path) of every documented operation under /api/v1: path parameters
    filled with ids that exist nowhere (a 404 with the database up)."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return "2026" if name == "year" else str(uuid.uuid4())

    operations = []
    for path, item in app.openapi()["paths"].items():
        if path in SKIPPED_PATHS or not path.startswith("/api/v1"):
            continue
        for method in item:
            if method in {"get", "post", "put", "patch", "delete"}:
                operations.append((method.upper(), re.sub(r"\{([^}]+)\}", fill, path)))
    return sorted(operations)


def _everyone(kit: ServiceTestKit) -> dict[str, str]:
    """A caller holding every role (county-wide): no route refuses it for its role."""
    return kit.headers(*ROLES, unit=uuid.uuid4())


async def _call(running: Running, method: str, path: str, key: str | None = None) -> httpx.Response:
    headers = _everyone(running.kit)
    if key is not None:
        headers["Idempotency-Key"] = key
    body = None if method in {"GET", "DELETE"} else {}
    return await running.client.request(method, path, json=body, headers=headers)


@pytest.fixture
async def services() -> AsyncIterator[list[Running]]:
    async with AsyncExitStack() as stack:
        running = []
        for name in SERVICES:
            kit = _kit(name)
            url = await stack.enter_async_context(migrated_scratch_database(kit.package))
            app = await stack.enter_async_context(kit.started(url))
            client = await stack.enter_async_context(kit.client_for(app))
            running.append(Running(name, kit, app, client, _operations(app)))
        yield running


def _assert_unavailable_problem(response: httpx.Response, what: str) -> None:
    assert response.status_code == 503, (what, response.status_code, response.text[:300])
    assert response.headers["content-type"] == PROBLEM, what
    body = response.json()
    assert body["code"] == "service.database_unavailable", (what, body)
    assert response.headers["retry-after"] == "1", what
    assert body["correlation_id"] == response.headers["x-correlation-id"], what


async def _first_ok(running: Running, timeout: float = 15.0) -> float:
    """Seconds until GET /api/v1/audit answers 200 (the app recovers by itself)."""
    started = time.monotonic()
    auditor = running.kit.headers("auditor", unit=uuid.uuid4())
    while True:
        response = await running.client.get("/api/v1/audit", headers=auditor)
        if response.status_code == 200:
            return time.monotonic() - started
        assert response.status_code == 503, response.text
        assert time.monotonic() - started < timeout, f"{running.name} not recovered in {timeout} s"
        await asyncio.sleep(0.2)


@pytest.mark.timeout(600)
async def test_postgresql_stopped_every_service_answers_503_problems_and_recovers_without_restart(
    services: list[Running], pg_control: PgControl
) -> None:
    # With the database up: what each operation answers (random ids: mostly 404; some
    # answers need no database at all, e.g. a body that does not validate).
    baseline: dict[tuple[str, str, str], int] = {}
    for running in services:
        for method, path in running.operations:
            response = await _call(running, method, path)
            baseline[(running.name, method, path)] = response.status_code

    await asyncio.to_thread(pg_control.stop)
    unavailable = 0
    for running in services:
        for method, path in running.operations:
            what = f"{running.name} {method} {path}"
            if method == "POST":
                # The key's claim is the transaction's first statement: always the database.
                response = await _call(running, method, path, key=f"outage-{uuid.uuid4()}")
                _assert_unavailable_problem(response, what + " (Idempotency-Key)")
                unavailable += 1
                response = await _call(running, method, path)  # and without a key
            else:
                response = await _call(running, method, path)
            assert response.status_code < 500 or response.status_code == 503, (what, response.text[:300])
            if response.status_code == 503:
                _assert_unavailable_problem(response, what)
                unavailable += 1
            else:  # answered without the database (a static catalogue, a body that does not validate): as with it
                assert response.status_code == baseline[(running.name, method, path)], (what, response.text[:300])
                if response.status_code >= 400:
                    assert response.headers["content-type"] == PROBLEM, (what, response.text[:300])
        # The platform routes every service has read the database: the audit list and its verification.
        for path in ("/api/v1/audit", "/api/v1/audit/verify"):
            response = await running.client.get(path, headers=running.kit.headers("auditor", unit=uuid.uuid4()))
            _assert_unavailable_problem(response, f"{running.name} GET {path}")
    assert unavailable > 0

    await asyncio.to_thread(pg_control.start)
    for running in services:
        assert await _first_ok(running) < 15
        for method, path in running.operations:
            if method != "GET":
                continue
            response = await _call(running, method, path)
            assert response.status_code == baseline[(running.name, method, path)], (running.name, path, response.text)


async def test_a_post_with_an_idempotency_key_refused_during_the_outage_runs_once_afterwards(
    services: list[Running], pg_control: PgControl
) -> None:
    """case-service: a unit created with a key while the database is stopped gets 503 (no
    effect, the key free); the retry with the same key after the restart creates it once,
    and a further retry replays it."""
    case = next(r for r in services if r.name == "case-service")
    admin = {**case.kit.headers("admin"), "Idempotency-Key": "unit-through-the-outage"}
    body = {"code": "OUTAGE", "name": "某县", "kind": "county"}
    await asyncio.to_thread(pg_control.stop)
    _assert_unavailable_problem(await case.client.post("/api/v1/units", json=body, headers=admin), "POST /units")
    _assert_unavailable_problem(
        await case.client.patch(f"/api/v1/units/{uuid.uuid4()}", json={"name": "x"}, headers=case.kit.headers("admin")),
        "PATCH /units/{id}",
    )
    await asyncio.to_thread(pg_control.start)
    await _first_ok(case)
    created = await case.client.post("/api/v1/units", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert "idempotent-replayed" not in created.headers
    again = await case.client.post("/api/v1/units", json=body, headers=admin)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.content == created.content
    units = (await case.client.get("/api/v1/units", headers=case.kit.headers("admin"))).json()["items"]
    assert [u["code"] for u in units].count("OUTAGE") == 1
