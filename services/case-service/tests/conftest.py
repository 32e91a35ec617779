"""Fixtures of case-service's integration tests, from the shared test kit: a database copied
from the session's migrated template per test, the app in process (httpx ASGI transport),
API helpers acting as real clients do, and the seeded world of two sibling townships that
the inherited authorization matrix and schemathesis run against."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from case_service.config import Settings
from case_service.consumers import sanctions
from case_service.main import create_app
from enforcement_common.calendar import today as shanghai_today
from enforcement_common.contracts.accountability import SanctionImposed
from enforcement_common.contracts.review import ReviewOfficerSanctioned
from enforcement_common.testing.delivery import deliver
from enforcement_common.testing.kit import Seeded, ServiceTestKit
from enforcement_common.testing.kit import headers as kit_headers


def headers(*roles: str, unit: uuid.UUID | str | None = None, sub: str | None = None) -> dict[str, str]:
    return kit_headers(*roles, unit=unit, sub=sub or f"{'-'.join(roles)}-{str(unit)[:8]}")


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
        roles: tuple[str, ...] = ("officer",),
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
        # A filing dated before the back-dating window (CASE-3) is the platform role's (roles=("platform",)).
        response = await self.client.post("/api/v1/cases", json=body, headers=self.as_officer(unit, *roles))
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


async def prebuild_world(kit: ServiceTestKit, app, client: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    """The county of build_world, built once per session into a template (see ``world``)."""
    w = await build_world(client)
    return {"units": dict(w.units), "officers": dict(w.officers)}


@pytest.fixture
async def world(client, service_kit: ServiceTestKit) -> World:
    """The county of build_world: the test's database is a copy of the template it was built
    into once (ServiceTestKit.prebuilt), so only its ids are read here."""
    built = await service_kit.prebuilt_world("world")
    w = World(client)
    w.units.update(built["units"])
    w.officers.update(built["officers"])
    return w


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
        "penalty_kinds": ["fine", "confiscation"],
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


# --- the seeded world: two sibling townships with officers, trainings and cases in every stage ---


async def seed_sibling_townships(kit: ServiceTestKit, app, client: httpx.AsyncClient) -> Seeded:
    """县 XC with townships 城关 (home) and 西关 (sibling), a section under each; per township
    certified officers and one without a certificate, a training, an assessment, and cases
    filed, under investigation, decided, closed, transferred and one carrying a pending
    reconsideration (the case and remedy every path parameter of the matrix names)."""
    w = World(client)
    county = await w.unit("XC", "county", short_name="县")
    seeded = Seeded(county=county, units={})
    for label, code, short in (("home", "T1", "城关"), ("sibling", "T2", "西关")):
        unit = await w.unit(code, "township", "XC", short_name=short)
        section = await w.unit(f"{code}S", "section", code, short_name=f"{short}中队")
        names = [f"{short}执法员{n}" for n in ("甲", "乙", "丙")]
        for name in names:
            await w.officer(name, code)
        uncertified = await w.officer(f"{short}协管员", code, certified=False)
        # One officer suspended under REV-8 and another under ERR-11, as review- and
        # accountability-service's events do it.
        suspended = await w.officer(f"{short}执法员丁", code)
        sanctioned = await w.officer(f"{short}执法员戊", code)
        await deliver(
            app,
            ReviewOfficerSanctioned(
                officer_id=suspended,
                unit_id=unit,
                year=shanghai_today().year,
                level="suspension",
                unqualified_count=3,
                lead_cases=8,
                basis=["REV-8"],
            ),
        )
        await deliver(
            app,
            SanctionImposed(
                error_case_id=uuid.uuid4(),
                officer_id=sanctioned,
                unit_id=unit,
                sanctions=["suspend_enforcement", "written_self_criticism"],
                effective_on=shanghai_today(),
            ),
        )
        lead, co, third = (w.officers[n] for n in names)

        async def file(code: str = code, names: list[str] = names, **extra: Any) -> dict:
            return (await w.file(code, handlers=(names[0], names[1]), **extra)).json()

        main = await file(external_ref=f"{code}-REF-1")
        for stage in ("investigation", "decision"):  # a remedy challenges a decision (CASE-8)
            acted = await w.act(main["id"], stage, BODIES[stage], unit=code)
            assert acted.status_code == 200, acted.text
        remedy = await client.post(
            f"/api/v1/cases/{main['id']}/legal-remedies",
            json={"kind": "reconsideration", "filed_on": shanghai_today().isoformat()},
            headers=w.as_officer(code, "legal_affairs"),
        )
        assert remedy.status_code == 201, remedy.text
        cases = [main]
        for stages in (
            ("investigation",),
            ("investigation", "decision"),
            ("investigation", "decision", "service", "execution", "closure"),
            ("transfer",),
        ):
            case = await file()
            for stage in stages:
                acted = await w.act(case["id"], stage, BODIES[stage], unit=code)
                assert acted.status_code == 200, acted.text
            cases.append((await client.get(f"/api/v1/cases/{case['id']}", headers=ADMIN)).json())
        training = await client.post(
            "/api/v1/trainings",
            json={
                "kind": "attended",
                "title": f"{short}行政执法培训",
                "content": "行政处罚法",
                "organizer_unit_id": unit,
                "start_date": shanghai_today().isoformat(),
                "end_date": shanghai_today().isoformat(),
                "hours": 8,
                "attendee_ids": [lead, co],
            },
            headers=headers("unit_leader", unit=unit),
        )
        assert training.status_code == 201, training.text
        assessed = await client.post(
            f"/api/v1/officers/{third}/assessments",
            json={"assessed_on": shanghai_today().isoformat(), "passed": True, "note": "年度考核"},
            headers=headers("unit_leader", unit=unit),
        )
        assert assessed.status_code == 201, assessed.text
        seeded.units[label] = unit
        seeded.officers[label] = lead
        seeded.ids[label] = {
            "unit_id": unit,
            "officer_id": third,
            "case_id": main["id"],
            "remedy_id": remedy.json()["id"],
            "lead_handler_id": lead,
            "co_handler_ids": co,
            "handler_id": lead,
            "attendee_ids": co,
            "organizer_unit_id": unit,
            "parent_id": section,
        }
        seeded.markers[label] = {
            unit,
            section,
            lead,
            co,
            third,
            uncertified,
            suspended,
            sanctioned,
            remedy.json()["id"],
            training.json()["id"],
            *names,
            *(case["id"] for case in cases),
            *(case["case_no"] for case in cases),
        }
        seeded.pools.setdefault("case_id", []).extend(case["id"] for case in cases)
        seeded.pools.setdefault("officer_id", []).extend([lead, co, third, uncertified, suspended, sanctioned])
        seeded.pools.setdefault("unit_id", []).extend([unit, section])
    seeded.pools["unit_id"].append(county)
    seeded.bodies = {f"POST /api/v1/cases/{{case_id}}/{action}": body for action, body in BODIES.items()}
    seeded.bodies["POST /api/v1/cases"] = {
        "unit_id": "",
        "category": "penalty",
        "title": "未按规定设置招牌",
        "summary": "",
        "party": {"name": "某商店", "kind": "organization", "id_number": "91141000MA0K000000"},
        "lead_handler_id": "",
        "co_handler_ids": [""],
    }
    return seeded


kit = ServiceTestKit(
    create_app=create_app,
    settings_class=Settings,
    package="case_service",
    consumers=lambda runner, app: sanctions.register(runner),
    seed=seed_sibling_townships,
    prebuilt={"world": prebuild_world},
)
globals().update(kit.fixtures())
