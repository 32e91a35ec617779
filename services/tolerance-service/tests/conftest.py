"""Fixtures of tolerance-service's tests, from the shared test kit (enforcement_common.testing.kit):
a database copied from the session's migrated template per test, the app in process,
case-service's events delivered through the real inbox path, and a seeded world of two
sibling townships (officers, cases, a decided application with its correction and an
extension request, a real-name petition) for the inherited checks."""

from __future__ import annotations

import functools
import sys
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from enforcement_common.calendar import today
from enforcement_common.contracts.case import CaseFiled, OfficerRegistered, UnitCreated
from enforcement_common.testing.delivery import deliver as deliver_to
from enforcement_common.testing.kit import Seeded, ServiceTestKit
from enforcement_common.testing.kit import headers as kit_headers
from tolerance_service.config import Settings
from tolerance_service.consumers import case_events
from tolerance_service.demo import DELIBERATION
from tolerance_service.main import create_app

COUNTY = uuid.UUID("7a0c0000-0000-4000-8000-000000000001")
UNIT = uuid.UUID("7a0c0000-0000-4000-8000-000000000002")


def auth(
    *roles: str, unit: uuid.UUID | str | None = UNIT, officer: uuid.UUID | str | None = None, name: str = "测试"
) -> dict[str, str]:
    """A caller of ``unit``; every call is another person (a fresh ``sub``)."""
    return kit_headers(*roles, unit=unit, officer=officer, name=name, sub=f"local-{uuid.uuid4()}")


async def known_test_units(app) -> None:
    """The county and its township of these tests, as case-service's unit.created makes them known."""
    await deliver_to(app, UnitCreated(unit_id=COUNTY, code="XC", name="某县", kind="county", parent_id=None))
    await deliver_to(app, UnitCreated(unit_id=UNIT, code="T1", name="城关镇", kind="township", parent_id=COUNTY))


def officer_registered(unit: uuid.UUID, name: str, officer: uuid.UUID | None = None) -> OfficerRegistered:
    officer = officer or uuid.uuid4()
    return OfficerRegistered(
        officer_id=officer,
        unit_id=unit,
        name=name,
        staff_type="established",
        certificate_no=f"ZF-{officer.hex[:8]}",
        certificate_expires_on=today() + timedelta(days=365),
        qualification_status="active",
    )


def case_filed(unit: uuid.UUID, lead: uuid.UUID, category: str = "penalty", filed_on: date | None = None) -> CaseFiled:
    case = uuid.uuid4()
    return CaseFiled(
        case_id=case,
        case_no=f"城关〔{today().year}〕{case.int % 10000}号",
        unit_id=unit,
        category=category,
        lead_handler_id=lead,
        handler_ids=[lead],
        filed_on=filed_on or today() - timedelta(days=60),
        is_major=False,
    )


def application_body(
    unit: uuid.UUID, officers: list[uuid.UUID], case: uuid.UUID | None, **overrides: Any
) -> dict[str, Any]:
    body = {
        "unit_id": str(unit),
        "officer_ids": [str(o) for o in officers],
        "case_id": str(case) if case else None,
        "initiated_by": "unit",
        "incident_on": (today() - timedelta(days=20)).isoformat(),
        "description": "执法检查中当事人隐瞒情况，未能及时发现隐患",
        "loss_level": "minor",
        "grounds": {"due_diligence": [], "tolerance": ["TG6"], "mitigation": []},
        "conditions": {"C1": True, "C2": True, "C3": True},
        "exclusions": {"outside_statutory_duty": False, "violated_statutory_procedure": False},
    }
    body.update(overrides)
    return body


def investigation_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "investigated_on": today().isoformat(),
        "facts": "经调查核实，当事人故意隐瞒，执法人员已依法检查",
        "loss_level": "minor",
        "grounds": {"due_diligence": [], "tolerance": ["TG6"], "mitigation": []},
        "conditions": {"C1": True, "C2": True, "C3": True},
        "exclusions": {"outside_statutory_duty": False, "violated_statutory_procedure": False},
    }
    body.update(overrides)
    return body


def decision_body(outcome: str = "exempted", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "outcome": outcome,
        "decided_on": today().isoformat(),
        "publication_scope": "本单位内公开",
        "deliberation": DELIBERATION,
    }
    if outcome in ("exempted", "due_diligence"):
        body["correction"] = {
            "reason": "检查流程存在疏漏",
            "items": ["完善检查台账", "组织专题学习"],
            "requirements": "30日内完成整改并报告",
            "due_on": (today() + timedelta(days=30)).isoformat(),
        }
    if outcome == "mitigated":
        body["mitigation_kind"] = "lighter"
    body.update(overrides)
    return body


@dataclass
class World:
    """A township with officers and cases, as case-service's events make them known."""

    unit: uuid.UUID
    officers: list[uuid.UUID]
    cases: list[uuid.UUID]
    names: list[str] = field(default_factory=list)


async def build_world(app, unit: uuid.UUID = UNIT, short: str = "城关") -> World:
    names = [f"{short}执法员{n}" for n in ("甲", "乙", "丙")]
    officers = []
    for name in names:
        event = officer_registered(unit, name)
        await deliver_to(app, event)
        officers.append(event.officer_id)
    cases = []
    for category in ("penalty", "inspection"):
        event = case_filed(unit, officers[0], category)
        await deliver_to(app, event)
        cases.append(event.case_id)
    return World(unit, officers, cases, names)


@pytest.fixture
async def world(app) -> World:
    return await build_world(app)


@pytest.fixture
def deliver(app):
    """``await deliver(event, times=1, replay=False)``: through the real inbox path."""
    return functools.partial(deliver_to, app)


class Flow:
    """Drives an application through the API as the roles of the unit."""

    def __init__(self, client: httpx.AsyncClient, world: World, app: Any = None) -> None:
        self.client, self.world, self.app = client, world, app

    async def apply(self, expect: int = 201, **overrides: Any) -> dict:
        body = application_body(self.world.unit, self.world.officers[:1], self.world.cases[0], **overrides)
        response = await self.client.post(
            "/api/v1/applications", json=body, headers=auth("legal_affairs", unit=self.world.unit)
        )
        assert response.status_code == expect, response.text
        return response.json()

    async def investigate(self, application: dict, expect: int = 200, **overrides: Any) -> dict:
        response = await self.client.post(
            f"/api/v1/applications/{application['id']}/investigation",
            json=investigation_body(**overrides),
            headers=auth("legal_affairs", unit=self.world.unit),
        )
        assert response.status_code == expect, response.text
        return response.json()

    async def decide(
        self, application: dict, outcome: str = "exempted", expect: int = 200, unit: uuid.UUID | None = None, **kw
    ) -> dict:
        response = await self.client.post(
            f"/api/v1/applications/{application['id']}/decision",
            json=decision_body(outcome, **kw),
            headers=auth("party_committee", unit=unit or application["deciding_unit_id"]),
        )
        assert response.status_code == expect, response.text
        return response.json()

    async def decided(self, outcome: str = "exempted", days_ago: int = 0, **decision: Any) -> dict:
        """An application filed, investigated and decided ``days_ago`` (the filing and the
        investigation moved back as well: the API dates them today)."""
        application = await self.apply(incident_on=(today() - timedelta(days=days_ago + 20)).isoformat())
        await self.investigate(application)
        if days_ago:
            await backdate(self.app, application["id"], days_ago)
            decision.setdefault("decided_on", (today() - timedelta(days=days_ago)).isoformat())
            if "correction" in decision_body(outcome):
                decision.setdefault(
                    "correction",
                    {
                        **decision_body(outcome)["correction"],
                        "due_on": (today() - timedelta(days=days_ago) + timedelta(days=30)).isoformat(),
                    },
                )
        return await self.decide(application, outcome, **decision)


async def backdate(app, application_id: str, days: int) -> None:
    """Move an application's filing and investigation ``days`` back (tests of past decisions)."""
    async with app.state.sessions() as session, session.begin():
        await session.execute(
            text(
                "UPDATE applications SET applied_on = applied_on - CAST(:d AS integer), investigation = "
                "jsonb_set(investigation, '{investigated_on}', to_jsonb(to_char("
                "CAST(investigation->>'investigated_on' AS date) - CAST(:d AS integer), 'YYYY-MM-DD'))) "
                "WHERE id = :id"
            ),
            {"d": days, "id": uuid.UUID(application_id)},
        )


@pytest.fixture
def flow(app, client, world) -> Flow:
    return Flow(client, world, app)


async def outbox(app, event_type: str) -> list[dict]:
    async with app.state.sessions() as session:
        return list(
            (
                await session.execute(
                    text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY id"), {"t": event_type}
                )
            ).scalars()
        )


async def issue_policy(app, issuer: uuid.UUID, effective_from: date, values: dict, title: str) -> uuid.UUID:
    """A version as issued at ``effective_from`` (in the past: POST /policies refuses a
    retroactive one, so tests place the historical versions directly)."""
    import json

    policy_id = uuid.uuid4()
    async with app.state.sessions() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO policy_versions (id, issuer_unit_id, effective_from, values, source, created_by) "
                "VALUES (:id, :issuer, :from, CAST(:values AS jsonb), CAST(:source AS jsonb), 'test')"
            ),
            {
                "id": policy_id,
                "issuer": issuer,
                "from": effective_from,
                "values": json.dumps(values, ensure_ascii=False),
                "source": json.dumps({"title": title}, ensure_ascii=False),
            },
        )
    return policy_id


# --- the seeded world: two sibling townships ------------------------------------------------


async def seed_sibling_townships(kit: ServiceTestKit, app, client: httpx.AsyncClient) -> Seeded:
    """县 with townships 城关 (home) and 西关 (sibling); per township officers and cases, a decided
    (exempted) application with its correction and an extension request, a real-name petition
    about the third officer (never the one in the tokens), concluded unfounded and clarified."""
    county = uuid.uuid4()
    await deliver_to(app, UnitCreated(unit_id=county, code="XC", name="某县", kind="county", parent_id=None))
    seeded = Seeded(county=str(county), units={})
    for label, code, short in (("home", "T1", "城关"), ("sibling", "T2", "西关")):
        unit = uuid.uuid4()
        await deliver_to(
            app, UnitCreated(unit_id=unit, code=code, name=f"{short}镇人民政府", kind="township", parent_id=county)
        )
        w = await build_world(app, unit, short)
        flow = Flow(client, w)

        async def post(path: str, body: dict, headers: dict, expect: int = 200) -> dict:
            response = await client.post(path, json=body, headers=headers)
            assert response.status_code == expect, response.text
            return response.json()

        legal = auth("legal_affairs", unit=unit)
        application = await post("/api/v1/applications", application_body(unit, w.officers[:2], w.cases[0]), legal, 201)
        await post(f"/api/v1/applications/{application['id']}/investigation", investigation_body(), legal)
        decided = await post(
            f"/api/v1/applications/{application['id']}/decision",
            decision_body("exempted"),
            auth("party_committee", unit=unit),
        )
        correction = decided["correction_id"]
        request = await post(
            f"/api/v1/corrections/{correction}/extension-requests",
            {"requested_due_on": (today() + timedelta(days=45)).isoformat(), "reason": "需等待上级批复"},
            legal,
            201,
        )
        other = await flow.apply(
            initiated_by="unit", grounds={"due_diligence": ["DD2"], "tolerance": [], "mitigation": []}
        )
        reporter = f"{short}举报人"
        petition = await post(
            "/api/v1/petitions",
            {
                "unit_id": str(unit),
                "officer_ids": [str(w.officers[2])],
                "received_on": today().isoformat(),
                "summary": "反映执法人员检查不力",
                "anonymous": False,
                "reporter": {"name": reporter, "phone": f"1390000{code[-1]}000"},
            },
            auth("discipline", unit=unit),
            201,
        )
        seeded.units[label] = str(unit)
        seeded.officers[label] = str(w.officers[0])
        seeded.ids[label] = {
            "unit_id": str(unit),
            "officer_id": str(w.officers[0]),
            "officer_ids": str(w.officers[0]),
            "case_id": str(w.cases[0]),
            "application_id": application["id"],
            "correction_id": correction,
            "request_id": request["id"],
            "petition_id": petition["id"],
        }
        seeded.markers[label] = {
            str(unit),
            *(str(o) for o in w.officers),
            *w.names,
            *(str(c) for c in w.cases),
            application["id"],
            other["id"],
            correction,
            request["id"],
            petition["id"],
            reporter,
        }
        seeded.pools.setdefault("application_id", []).extend([application["id"], other["id"]])
        seeded.pools.setdefault("officer_id", []).extend(str(o) for o in w.officers)
        seeded.pools.setdefault("case_id", []).extend(str(c) for c in w.cases)
        seeded.pools.setdefault("unit_id", []).append(str(unit))
    seeded.pools["unit_id"].append(str(county))
    seeded.bodies = {
        "POST /api/v1/applications": application_body(uuid.uuid4(), [uuid.uuid4()], uuid.uuid4()),
        "POST /api/v1/applications/{application_id}/investigation": investigation_body(),
        "POST /api/v1/applications/{application_id}/decision": decision_body("exempted"),
        "POST /api/v1/petitions": {
            "unit_id": "",
            "officer_ids": [""],
            "received_on": today().isoformat(),
            "summary": "反映执法问题",
            "anonymous": True,
        },
    }
    return seeded


kit = ServiceTestKit(
    create_app=create_app,
    settings_class=Settings,
    package="tolerance_service",
    consumers=lambda runner, app: case_events.register(runner, app.state.settings),
    seed=seed_sibling_townships,
    prepare=known_test_units,
)
globals().update(kit.fixtures())

#: The helpers above, importable by this service's test modules (``from tolerance_testing import auth``):
#: under --import-mode=importlib a conftest is not on sys.path by its name.
sys.modules.setdefault("tolerance_testing", sys.modules[__name__])
