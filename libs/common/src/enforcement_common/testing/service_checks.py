"""Checks every service's application must pass; a service's tests subclass them.

They run the service's real migrations on its test database and call the app in
process through httpx's ASGI transport, with the real database and broker behind.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import ClassVar

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from enforcement_common.config import BaseServiceSettings
from enforcement_common.contracts.case import UnitCreated
from enforcement_common.events import add_event, decode_envelope
from enforcement_common.migrations import downgrade, upgrade
from enforcement_common.testing.events import read_topic
from enforcement_common.testing.infra import settings_for_tests


class ServiceAppChecks:
    settings_class: ClassVar[type[BaseServiceSettings]]
    #: The service's import name (``"case_service"``); its migrations ship inside it.
    package: ClassVar[str]
    app_factory: ClassVar[Callable[[BaseServiceSettings], FastAPI]]

    @pytest.fixture
    def settings(self) -> BaseServiceSettings:
        return settings_for_tests(self.settings_class)

    @pytest.fixture
    async def client(self, settings: BaseServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
        app = type(self).app_factory(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
                yield client

    async def test_migrations_upgrade_and_downgrade(self, settings: BaseServiceSettings) -> None:
        # Alembic's env runs its own event loop: keep it off the test's loop.
        await asyncio.to_thread(upgrade, self.package, settings.database_url)
        url = settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
        connection = await asyncpg.connect(url)
        try:
            head = await connection.fetchval("SELECT version_num FROM alembic_version")
            assert head, "alembic_version must hold the head revision after upgrade"
            await asyncio.to_thread(downgrade, self.package, settings.database_url, "base")
            assert await connection.fetchval("SELECT count(*) FROM alembic_version") == 0
            await asyncio.to_thread(upgrade, self.package, settings.database_url)
            assert await connection.fetchval("SELECT version_num FROM alembic_version") == head
        finally:
            await connection.close()

    async def test_healthz(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "alive", "service": self.settings_class.service_name}

    async def test_readyz_reaches_database_and_kafka(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "ready"
        assert body["checks"] == {"database": {"status": "up"}, "kafka": {"status": "up"}}

    async def test_readyz_names_an_unreachable_database(self, settings: BaseServiceSettings) -> None:
        broken = settings.model_copy(
            update={"database_url": settings.database_url.rsplit("/", 1)[0] + "/no_such_database"}
        )
        app = type(self).app_factory(broken)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
                response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "service.not_ready"
        assert body["down"] == ["database"]
        assert "no_such_database" in body["checks"]["database"]["error"]
        assert body["checks"]["kafka"] == {"status": "up"}

    async def test_metrics_in_prometheus_format(self, client: httpx.AsyncClient) -> None:
        await client.get("/healthz")
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        service = self.settings_class.service_name
        assert (
            f'http_requests_total{{method="GET",route="/healthz",service="{service}",status="200"}} 1.0'
            in response.text
        )

    async def test_openapi_and_docs(self, client: httpx.AsyncClient) -> None:
        spec = (await client.get("/openapi.json")).json()
        assert spec["openapi"].startswith("3.")
        assert {"/healthz", "/readyz", "/metrics"} <= set(spec["paths"])
        docs = await client.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()

    async def test_outbox_relay_runs_in_the_service_process(
        self, settings: BaseServiceSettings, kafka_bootstrap_servers: str
    ) -> None:
        """An event written to this service's outbox reaches Kafka through the relay its app runs."""
        await asyncio.to_thread(upgrade, self.package, settings.database_url)
        app = type(self).app_factory(settings)
        unit = UnitCreated(
            unit_id=uuid.uuid4(), code=f"T{uuid.uuid4().hex[:6]}", name="测试单位", kind="county", parent_id=None
        )
        async with app.router.lifespan_context(app):
            async with app.state.sessions() as session, session.begin():
                envelope = await add_event(session, unit, source=self.settings_class.service_name)
            records = await read_topic(
                kafka_bootstrap_servers,
                unit.topic,
                0,
                until=lambda rs: any(r.key == str(unit.unit_id).encode() for r in rs),
            )
        mine = [r for r in records if r.key == str(unit.unit_id).encode()]
        assert [decode_envelope(r.value).id for r in mine] == [envelope.id]

    async def test_unknown_route_is_a_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/no-such-thing", headers={"X-Correlation-ID": "abc-123"})
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["x-correlation-id"] == "abc-123"
        body = response.json()
        assert body["code"] == "http.not_found" and body["status"] == 404 and body["correlation_id"] == "abc-123"
