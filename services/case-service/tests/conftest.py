"""Fixtures of case-service's integration tests: a freshly migrated database per test,
the app in process (httpx ASGI transport), and API helpers acting as real clients do."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from case_service.config import Settings
from case_service.main import create_app
from enforcement_common.auth.tokens import mint_token
from enforcement_common.calendar import today as shanghai_today
from enforcement_common.testing.infra import kafka_bootstrap, migrated_scratch_database

SECRET = "case-service-test-secret-0123456789abcdef"


@pytest.fixture
async def database() -> AsyncIterator[str]:
    async with migrated_scratch_database("case_service") as url:
        yield url


def build(database: str, **overrides: Any):
    values = {
        "database_url": database,
        "kafka_bootstrap_servers": kafka_bootstrap(),
        "auth_jwt_secret": SECRET,
        "run_workers": False,
    }
    return create_app(Settings(**{**values, **overrides}))


@pytest.fixture
def app_builder():
    return build


@pytest.fixture
async def app(database: str):
    application = build(database)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://case.test") as client:
        yield client


def headers(*roles: str, unit: uuid.UUID | str | None = None, sub: str | None = None) -> dict[str, str]:
    token = mint_token(
        roles=list(roles),
        unit_id=str(unit) if unit else None,
        secret=SECRET,
        sub=sub or f"{'-'.join(roles)}-{str(unit)[:8]}",
    )
    return {"Authorization": f"Bearer {token}"}


ADMIN = headers("admin")


class World:
    """A county with two townships, officers in each, and helpers to drive cases."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.units: dict[str, str] = {}
        self.officers: dict[str, str] = {}

    async def unit(self, code: str, kind: str, parent: str | None = None, short_name: str | None = None) -> str:
        body = {
            "code": code,
            "name": f"{code} 单位",
            "kind": kind,
            "parent_id": self.units.get(parent) if parent else None,
            "short_name": short_name or code,
        }
        response = await self.client.post("/api/v1/units", json=body, headers=ADMIN)
        assert response.status_code == 201, response.text
        self.units[code] = response.json()["id"]
        return self.units[code]

    async def officer(self, name: str, unit: str, *, certified: bool = True, expires_on: date | None = None) -> str:
        body: dict[str, Any] = {
            "unit_id": self.units[unit],
            "name": name,
            "staff_type": "established",
            "id_number": "14270119800101123X",
        }
        if certified:
            body["certificate"] = {
                "number": f"CERT-{uuid.uuid4().hex[:8]}",
                "issued_on": "2024-01-01",
                "expires_on": (expires_on or shanghai_today() + timedelta(days=365)).isoformat(),
            }
        response = await self.client.post("/api/v1/officers", json=body, headers=ADMIN)
        assert response.status_code == 201, response.text
        self.officers[name] = response.json()["id"]
        return self.officers[name]

    def as_officer(self, unit: str, *roles: str) -> dict[str, str]:
        return headers(*(roles or ("officer",)), unit=self.units[unit])

    async def file(
        self,
        unit: str = "T1",
        category: str = "penalty",
        handlers: tuple[str, ...] = ("甲", "乙"),
        expect: int = 201,
        **extra: Any,
    ) -> httpx.Response:
        body = {
            "unit_id": self.units[unit],
            "category": category,
            "title": "未按规定设置招牌",
            "summary": "",
            "party": {"name": "某商店", "kind": "organization", "id_number": "91141000MA0K000000"},
            "lead_handler_id": self.officers[handlers[0]],
            "co_handler_ids": [self.officers[h] for h in handlers[1:]],
            **extra,
        }
        response = await self.client.post("/api/v1/cases", json=body, headers=self.as_officer(unit))
        assert response.status_code == expect, response.text
        return response

    async def act(
        self,
        case_id: str,
        action: str,
        body: dict | None = None,
        unit: str = "T1",
        roles: tuple[str, ...] = ("officer", "legal_affairs"),
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/cases/{case_id}/{action}", json=body or {}, headers=self.as_officer(unit, *roles)
        )


async def build_world(client: httpx.AsyncClient) -> World:
    w = World(client)
    await w.unit("XC", "county", short_name="县")
    await w.unit("T1", "township", "XC", short_name="城关")
    await w.unit("T2", "township", "XC", short_name="西关")
    await w.unit("T1S", "section", "T1")
    for name in ("甲", "乙", "丙"):
        await w.officer(name, "T1")
    await w.officer("丁", "T2")
    await w.officer("戊", "T2")
    await w.officer("无证", "T1", certified=False)
    await w.officer("过期", "T1", expires_on=shanghai_today() - timedelta(days=1))
    return w


@pytest.fixture
async def world(client) -> World:
    return await build_world(client)


@pytest.fixture
def make_world():
    """The same county on another client (an app built with other settings)."""
    return build_world


@pytest.fixture
def today() -> Callable[[], str]:
    return lambda: shanghai_today().isoformat()


BODIES: dict[str, dict[str, Any]] = {
    "investigation": {},
    "legal-review": {"opinion": "approved"},
    "hearing": {"held_on": shanghai_today().isoformat()},
    "decision": {
        "decision_type": "罚款",
        "fine_amount": "5000",
        "confiscation_amount": "1200.5",
        "decided_on": shanghai_today().isoformat(),
        "legal_basis": "《某条例》第十条",
    },
    "service": {"served_on": shanghai_today().isoformat(), "method": "direct"},
    "execution": {"executed_on": shanghai_today().isoformat()},
    "closure": {"closed_on": shanghai_today().isoformat()},
    "archive": {"archived_on": shanghai_today().isoformat()},
    "transfer": {"to": "police", "reason": "涉嫌犯罪"},
    "withdrawal": {"reason": "立案错误"},
}


@pytest.fixture
def bodies() -> dict[str, dict[str, Any]]:
    return BODIES


@pytest.fixture
def as_headers():
    return headers


@pytest.fixture
def jwt_secret() -> str:
    return SECRET
