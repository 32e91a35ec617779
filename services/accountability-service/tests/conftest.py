"""Fixtures of accountability-service's tests, from the shared test kit: a database copied from the
session's migrated template per test, the app in process, case-service's and tolerance-service's
events delivered through the real inbox path, and a seeded world of two sibling townships (error
cases, appeals, interference records, reports, findings) for the inherited checks."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest

from accountability_service.config import Settings
from accountability_service.consumers import case_events
from accountability_service.interference import rules as int_rules
from accountability_service.main import create_app
from enforcement_common.calendar import today
from enforcement_common.contracts.case import CaseFiled, CaseLegalRemedyRecorded, OfficerRegistered, UnitCreated
from enforcement_common.contracts.tolerance import ToleranceDecided
from enforcement_common.testing.delivery import deliver as deliver_to
from enforcement_common.testing.kit import Seeded, ServiceTestKit
from enforcement_common.testing.kit import headers as kit_headers


def auth(*roles: str, unit, officer=None, name: str = "测试") -> dict[str, str]:
    """A caller of ``unit``; every call is another person (a fresh ``sub``) unless the officer is the same."""
    sub = f"officer-{officer}" if officer else f"local-{uuid.uuid4()}"
    return kit_headers(*roles, unit=unit, officer=officer, name=name, sub=sub)


@dataclass
class World:
    """One township (under a county) as case-service's events make it known: officers and cases."""

    app: object
    county: uuid.UUID
    unit: uuid.UUID
    short: str
    officers: dict[str, uuid.UUID] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    cases: dict[str, CaseFiled] = field(default_factory=dict)

    async def officer(self, key: str, staff_type: str = "established") -> uuid.UUID:
        officer = uuid.uuid4()
        name = f"{self.short}{key}员"
        await deliver_to(
            self.app,
            OfficerRegistered(
                officer_id=officer,
                unit_id=self.unit,
                name=name,
                staff_type=staff_type,
                certificate_no=f"C-{officer.hex[:8]}",
                certificate_expires_on=today() + timedelta(days=365),
                qualification_status="active",
            ),
        )
        self.officers[key], self.names[key] = officer, name
        return officer

    async def case(self, key: str, category: str = "penalty", handlers: tuple[str, ...] = ("lead", "co")) -> CaseFiled:
        ids = [self.officers[h] for h in handlers]
        filed = CaseFiled(
            case_id=uuid.uuid4(),
            case_no=f"{self.short}〔{today().year}〕{len(self.cases) + 1}号",
            unit_id=self.unit,
            category=category,
            lead_handler_id=ids[0],
            handler_ids=ids,
            filed_on=today() - timedelta(days=60),
            is_major=False,
        )
        await deliver_to(self.app, filed)
        self.cases[key] = filed
        return filed

    def remedy(self, key: str, kind: str, result: str | None, status: str = "concluded") -> CaseLegalRemedyRecorded:
        case = self.cases[key]
        return CaseLegalRemedyRecorded(
            case_id=case.case_id,
            unit_id=case.unit_id,
            remedy_id=uuid.uuid4(),
            kind=kind,
            status=status,
            result=result,
            filed_on=today() - timedelta(days=30),
            concluded_on=today() - timedelta(days=1) if status == "concluded" else None,
            lead_handler_id=case.lead_handler_id,
            handler_ids=case.handler_ids,
            category=case.category,
        )

    def tolerance(self, key: str, officers: list[str], outcome: str, mitigation_kind: str | None = None):
        return ToleranceDecided(
            application_id=uuid.uuid4(),
            unit_id=self.unit,
            officer_ids=[self.officers[o] for o in officers],
            case_id=self.cases[key].case_id,
            outcome=outcome,
            mitigation_kind=mitigation_kind,
            decided_on=today(),
            notify_due_on=today() + timedelta(days=7),
            basis=["TOL-11"],
        )

    def as_(self, *roles: str, who: str | None = None, unit=None) -> dict[str, str]:
        officer = self.officers.get(who) if who else None
        return auth(*roles, unit=unit or self.unit, officer=officer, name=self.names.get(who, "法制员"))


async def build_world(app, short: str = "城关", county: uuid.UUID | None = None, code: str = "T1") -> World:
    if county is None:
        county = uuid.uuid4()
        await deliver_to(app, UnitCreated(unit_id=county, code=f"X{code}", name="某县", kind="county", parent_id=None))
    unit = uuid.uuid4()
    await deliver_to(
        app, UnitCreated(unit_id=unit, code=code, name=f"{short}镇人民政府", kind="township", parent_id=county)
    )
    world = World(app=app, county=county, unit=unit, short=short)
    for key in ("lead", "co", "leader", "investigator", "other"):
        await world.officer(key)
    await world.case("penalty")
    await world.case("inspection", category="inspection")
    return world


@pytest.fixture
async def world(app) -> World:
    return await build_world(app)


@pytest.fixture
def deliver(app):
    return functools.partial(deliver_to, app)


async def decided_error_case(
    client: httpx.AsyncClient,
    world: World,
    *,
    sanctions: list[str],
    handling: str = "ordinary",
    behaviours: list[str] | None = None,
    case_key: str = "penalty",
    respondent: str = "lead",
    expect: int = 200,
) -> dict:
    """An error case opened by hand, investigated, found and decided; returns the last response's body."""
    legal = world.as_("legal_affairs")
    opened = await client.post(
        "/api/v1/error-cases",
        json={
            "source": "supervision",
            "case_id": str(world.cases[case_key].case_id),
            "unit_id": str(world.unit),
            "description": "执法监督中发现处罚依据适用错误",
            "received_on": str(today() - timedelta(days=5)),
        },
        headers=legal,
    )
    assert opened.status_code == 201, opened.text
    ec = opened.json()["id"]
    team = await client.post(
        f"/api/v1/error-cases/{ec}/investigation",
        json={
            "member_ids": [str(world.officers["investigator"])],
            "appointed_by": "局长",
            "appointed_on": str(today() - timedelta(days=4)),
        },
        headers=world.as_("unit_leader"),
    )
    assert team.status_code == 200, team.text
    found = await client.post(
        f"/api/v1/error-cases/{ec}/findings",
        json={"respondents": [{"officer_id": str(world.officers[respondent]), "behaviours": behaviours or ["L4"]}]},
        headers=legal,
    )
    assert found.status_code == 200, found.text
    decided = await client.post(
        f"/api/v1/error-cases/{ec}/determination",
        json={
            "decided_on": str(today() - timedelta(days=1)),
            "collective_discussion_on": str(today() - timedelta(days=1)),
            "is_error_case": True,
            "respondents": [
                {
                    "officer_id": str(world.officers[respondent]),
                    "handling": handling,
                    "sanctions": sanctions,
                    "reasons": None if handling == "ordinary" else "集体讨论认为",
                }
            ],
        },
        headers=world.as_("unit_leader"),
    )
    assert decided.status_code == expect, decided.text
    return {**decided.json(), "error_case_id": ec}


@pytest.fixture
def decide(client):
    """``await decide(world, sanctions=[...], handling=..., expect=200)``: an error case decided through the API."""
    return functools.partial(decided_error_case, client)


@pytest.fixture
def new_world(app):
    """``await new_world(short, code=...)``: another township under its own county."""
    return functools.partial(build_world, app)


# --- the seeded world: two sibling townships -----------------------------------------------------------


async def seed_sibling_townships(kit: ServiceTestKit, app, client: httpx.AsyncClient) -> Seeded:
    """县 with townships 城关 (home) and 西关 (sibling): per township officers and cases, an error case
    opened by a revoked reconsideration, decided with a sanction and appealed, an interference record
    (about the leader), a zero report for the last quarter and a non-recording finding."""
    county = uuid.uuid4()
    await deliver_to(app, UnitCreated(unit_id=county, code="XC", name="某县", kind="county", parent_id=None))
    seeded = Seeded(county=str(county), units={})
    for label, code, short in (("home", "T1", "城关"), ("sibling", "T2", "西关")):
        world = await build_world(app, short, county=county, code=code)
        await deliver_to(app, world.remedy("penalty", "reconsideration", "revoked"))
        decided = await decided_error_case(client, world, sanctions=["written_self_criticism"])
        ec = decided["error_case_id"]
        appeal = await client.post(
            f"/api/v1/error-cases/{ec}/appeals",
            json={
                "kind": "appeal",
                "appeal_to": "justice_bureau",
                "statement": "事实认定有误",
                "filed_on": str(today()),
            },
            headers=world.as_("officer", who="lead"),
        )
        assert appeal.status_code == 201, appeal.text
        # TOL-15 after the determination: the lead's sanction withdrawn (replayed by the inherited checks)
        await deliver_to(app, world.tolerance("penalty", ["lead"], "exempted"))
        record = await client.post(
            "/api/v1/interference-records",
            json={
                "case_id": str(world.cases["penalty"].case_id),
                "occurred_at": f"{today() - timedelta(days=2)}T10:00:00+08:00",
                "place": "办公室",
                "intervener": {"officer_id": str(world.officers["leader"]), "position": "副局长"},
                "method": "phone",
                "content": "要求减轻处罚",
                "category": "I2",
            },
            headers=world.as_("officer", who="lead"),
        )
        assert record.status_code == 201, record.text
        last_quarter = int_rules.quarter_of(int_rules.quarter(int_rules.quarter_of(today()))[0] - timedelta(days=1))
        report = await client.post(
            "/api/v1/interference-reports",
            json={
                "unit_id": str(world.unit),
                "period": last_quarter,
                "submitted_on": str(today()),
                "zero_report": True,
            },
            headers=world.as_("legal_affairs"),
        )
        assert report.status_code == 201, report.text
        finding = await client.post(
            "/api/v1/nonrecording-findings",
            json={
                "officer_id": str(world.officers["co"]),
                "case_id": str(world.cases["penalty"].case_id),
                "kind": "not_recorded",
                "found_on": str(today()),
                "description": "未记录领导过问",
            },
            headers=world.as_("legal_affairs"),
        )
        assert finding.status_code == 201, finding.text
        auto = (
            await client.get(
                "/api/v1/error-cases",
                params={"unit_id": str(world.unit), "source": "reconsideration"},
                headers=kit.headers("admin"),
            )
        ).json()["items"]
        assert len(auto) == 1
        seeded.units[label] = str(world.unit)
        seeded.officers[label] = str(world.officers["investigator"])
        seeded.ids[label] = {
            "unit_id": str(world.unit),
            "officer_id": str(world.officers["lead"]),
            "case_id": str(world.cases["penalty"].case_id),
            "error_case_id": ec,
            "appeal_id": appeal.json()["id"],
            "record_id": record.json()["id"],
        }
        seeded.markers[label] = {
            str(world.unit),
            f"{short}镇人民政府",
            *(str(o) for o in world.officers.values()),
            *world.names.values(),
            *(str(c.case_id) for c in world.cases.values()),
            ec,
            auto[0]["id"],
            appeal.json()["id"],
            record.json()["id"],
            report.json()["id"],
            finding.json()["id"],
        }
        for name in ("error_case_id", "appeal_id", "record_id", "case_id", "officer_id", "unit_id"):
            seeded.pools.setdefault(name, []).append(seeded.ids[label][name])
    seeded.pools["unit_id"].append(str(county))
    return seeded


kit = ServiceTestKit(
    create_app=create_app,
    settings_class=Settings,
    package="accountability_service",
    consumers=lambda runner, app: case_events.register(runner, app.state.settings),
    seed=seed_sibling_townships,
)
globals().update(kit.fixtures())
