"""Fixtures of review-service's integration tests, from the shared test kit: a database copied
from the session's migrated template per test, the app in process, case-service's events
delivered through the real inbox path (twice, if asked), and the seeded world of two
sibling townships that the inherited authorization matrix and schemathesis run against."""

from __future__ import annotations

import functools
import uuid
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import text

from enforcement_common.calendar import today
from enforcement_common.contracts.case import (
    CaseClosed,
    CaseFiled,
    CaseLegalRemedyRecorded,
    OfficerRegistered,
    UnitCreated,
)
from enforcement_common.testing.delivery import deliver as deliver_to
from enforcement_common.testing.kit import Seeded, ServiceTestKit
from enforcement_common.testing.kit import headers as kit_headers
from review_service.config import Settings
from review_service.consumers import case_events
from review_service.main import create_app

UNIT = uuid.UUID("6f1a7d52-0000-4000-8000-000000000001")
#: A legal-affairs officer of UNIT whom the directory knows: the reviewer of these tests' reviews.
REVIEWER = uuid.UUID("6f1a7d52-0000-4000-8000-0000000000aa")


def auth(*roles: str, unit: uuid.UUID | None = UNIT, officer: uuid.UUID | None = None) -> dict[str, str]:
    """A caller of ``unit``; every call is another person (a fresh ``sub``)."""
    return kit_headers(*roles, unit=unit, officer=officer, name="测试", sub=f"local-{uuid.uuid4()}")


def registered(officer_id: uuid.UUID, unit: uuid.UUID, name: str) -> OfficerRegistered:
    """case-service's officer.registered for an active, certified officer."""
    return OfficerRegistered(
        officer_id=officer_id,
        unit_id=unit,
        name=name,
        staff_type="established",
        certificate_no=f"C-{officer_id.hex[:8]}",
        certificate_expires_on=None,
        qualification_status="active",
    )


async def outbox_payloads(app, event_type: str) -> list[dict]:
    """The events of ``event_type`` this service wrote to its outbox, in order."""
    async with app.state.sessions() as session:
        return list(
            (
                await session.execute(
                    text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY id"), {"t": event_type}
                )
            ).scalars()
        )


async def known_test_unit(app) -> None:
    """The unit of these tests and its reviewer, as case-service's events make them known."""
    await deliver_to(app, UnitCreated(unit_id=UNIT, code="TEST", name="测试单位", kind="county", parent_id=None))
    await deliver_to(app, registered(REVIEWER, UNIT, "法制审核员"))


async def transfer(client: httpx.AsyncClient, case_id: uuid.UUID, on: date | None = None) -> httpx.Response:
    """REV-5: the file transferred to legal affairs (by the unit leader, for the handler) —
    on the closing day unless ``on`` is given."""
    headers = auth("unit_leader")
    [obligation] = (await client.get("/api/v1/obligations", params={"case_id": str(case_id)}, headers=headers)).json()[
        "items"
    ]
    return await client.post(
        f"/api/v1/obligations/{obligation['id']}/submission",
        json={"submitted_on": (on or date.fromisoformat(obligation["closed_on"])).isoformat()},
        headers=headers,
    )


@pytest.fixture
def deliver(app):
    """``await deliver(event, times=1, replay=False)``: case-service's event through the real
    inbox path (see enforcement_common.testing.delivery)."""
    return functools.partial(deliver_to, app)


def closed_case(
    lead: uuid.UUID, closed_on: date, case_id: uuid.UUID | None = None, unit: uuid.UUID = UNIT
) -> CaseClosed:
    return CaseClosed(
        case_id=case_id or uuid.uuid4(),
        case_no=f"城关〔{closed_on.year}〕{uuid.uuid4().int % 1000}号",
        unit_id=unit,
        category="penalty",
        lead_handler_id=lead,
        handler_ids=[lead, uuid.uuid4()],
        filed_on=date(closed_on.year, 1, 2),
        closed_on=closed_on,
        fine_amount="500.00",
        confiscation_amount=None,
        hearing_held=False,
    )


def remedy(case: CaseClosed, kind: str, filed_on: date | None = None) -> CaseLegalRemedyRecorded:
    return CaseLegalRemedyRecorded(
        case_id=case.case_id,
        unit_id=case.unit_id,
        remedy_id=uuid.uuid4(),
        kind=kind,
        status="pending",
        result=None,
        filed_on=filed_on or case.closed_on,
        concluded_on=None,
        lead_handler_id=case.lead_handler_id,
        handler_ids=case.handler_ids,
        category=case.category,
    )


@pytest.fixture
def helpers():
    class H:
        unit = UNIT
        reviewer = REVIEWER
        basic_ok = BASIC_OK
        transfer = staticmethod(transfer)
        registered = staticmethod(registered)
        events = staticmethod(outbox_payloads)
        closed = staticmethod(closed_case)
        remedy_for = staticmethod(remedy)
        headers = staticmethod(auth)

    return H


# --- the seeded world: two sibling townships with obligations, reviews, summaries, inspections ---

BASIC_OK = {
    "subject_lawful": True,
    "facts_clear": True,
    "evidence_conclusive": True,
    "procedure_lawful": True,
    "law_correctly_applied": True,
    "act_appropriate": True,
}


def _previous_half_year(day: date) -> str:
    return f"{day.year}H1" if day.month > 6 else f"{day.year - 1}H2"


async def seed_sibling_townships(kit: ServiceTestKit, app, client: httpx.AsyncClient) -> Seeded:
    """县 with townships 城关 (home) and 西关 (sibling), as case-service's events make them
    known; per township officers, closed cases with self-review obligations (one pending,
    one reviewed excellent and selected as exemplary, one with an unsigned review, one
    excluded by litigation), a generated half-year summary and a drawn inspection."""
    county = uuid.uuid4()
    await deliver_to(app, UnitCreated(unit_id=county, code="XC", name="某县", kind="county", parent_id=None))
    seeded = Seeded(county=str(county), units={})
    closed_on = today() - timedelta(days=3)
    for label, code, short in (("home", "T1", "城关"), ("sibling", "T2", "西关")):
        unit = uuid.uuid4()
        await deliver_to(
            app, UnitCreated(unit_id=unit, code=code, name=f"{short}镇人民政府", kind="township", parent_id=county)
        )
        officers = [uuid.uuid4() for _ in range(3)]
        names = [f"{short}执法员{n}" for n in ("甲", "乙", "丙")]
        for officer, name in zip(officers, names, strict=True):
            await deliver_to(
                app,
                OfficerRegistered(
                    officer_id=officer,
                    unit_id=unit,
                    name=name,
                    staff_type="established",
                    certificate_no=f"{code}-{officer.hex[:6]}",
                    certificate_expires_on=today() + timedelta(days=365),
                    qualification_status="active",
                ),
            )
        lead, co, third = officers
        cases = []
        for n in range(4):
            case = closed_case(lead, closed_on, unit=unit)
            case = case.model_copy(
                update={"case_no": f"{short}〔{closed_on.year}〕{n + 1}号", "handler_ids": [lead, co]}
            )
            filed = CaseFiled(
                case_id=case.case_id,
                case_no=case.case_no,
                unit_id=unit,
                category=case.category,
                lead_handler_id=lead,
                handler_ids=case.handler_ids,
                filed_on=case.filed_on,
                is_major=False,
            )
            await deliver_to(app, filed)
            await deliver_to(app, case)
            cases.append(case)
        pending, reviewed, unsigned, excluded = cases
        await deliver_to(app, remedy(excluded, "litigation"))
        legal = auth("legal_affairs", unit=unit)

        async def create_review(case: CaseClosed, legal: dict[str, str] = legal, reviewer: uuid.UUID = third) -> dict:
            body = {
                "case_id": str(case.case_id),
                "kind": "self",
                "reviewer_ids": [str(reviewer)],
                "basic": BASIC_OK,
                "general": {"filing": {"deduction": 0, "notes": "材料齐全"}},
                "problems": [],
            }
            created = await client.post("/api/v1/reviews", json=body, headers=legal)
            assert created.status_code == 201, created.text
            return created.json()

        review = await create_review(reviewed)
        [owed] = (
            await client.get("/api/v1/obligations", params={"case_id": str(reviewed.case_id)}, headers=legal)
        ).json()["items"]
        transferred = await client.post(
            f"/api/v1/obligations/{owed['id']}/submission",
            json={"submitted_on": closed_on.isoformat()},
            headers=auth("unit_leader", unit=unit),
        )
        assert transferred.status_code == 200, transferred.text  # REV-5 before the review completes
        for role, caller in (("legal_affairs_head", legal), ("reviewed_unit_head", auth("unit_leader", unit=unit))):
            signed = await client.post(
                f"/api/v1/reviews/{review['id']}/signatures", json={"role": role}, headers=caller
            )
            assert signed.status_code == 200, signed.text
        exemplary = await client.post(
            f"/api/v1/reviews/{review['id']}/exemplary", json={"note": "文书规范"}, headers=legal
        )
        assert exemplary.status_code == 201, exemplary.text
        draft = await create_review(unsigned)
        summary = await client.post(
            "/api/v1/summaries", json={"unit_id": str(unit), "period": _previous_half_year(today())}, headers=legal
        )
        assert summary.status_code == 201, summary.text
        inspection = await client.post(
            "/api/v1/inspections",
            json={"unit_id": str(unit), "year": closed_on.year, "per_category": 2, "seed": f"{code}-seed"},
            headers=auth("justice_bureau", unit=county),
        )
        assert inspection.status_code == 201, inspection.text
        obligations = (
            await client.get("/api/v1/obligations", params={"unit_id": str(unit)}, headers=auth("admin", unit=None))
        ).json()["items"]
        by_case = {o["case_id"]: o["id"] for o in obligations}
        seeded.units[label] = str(unit)
        seeded.officers[label] = str(lead)
        seeded.ids[label] = {
            "unit_id": str(unit),
            "officer_id": str(lead),
            "lead_handler_id": str(lead),
            "case_id": str(pending.case_id),
            "obligation_id": by_case[str(pending.case_id)],
            "review_id": review["id"],
            "summary_id": summary.json()["id"],
            "inspection_id": inspection.json()["id"],
            "reviewer_ids": str(third),
        }
        seeded.markers[label] = {
            str(unit),
            *(str(o) for o in officers),
            *names,
            *(str(c.case_id) for c in cases),
            *(c.case_no for c in cases),
            *by_case.values(),
            review["id"],
            draft["id"],
            summary.json()["id"],
            inspection.json()["id"],
        }
        seeded.pools.setdefault("case_id", []).extend(str(c.case_id) for c in cases)
        seeded.pools.setdefault("obligation_id", []).extend(by_case.values())
        seeded.pools.setdefault("review_id", []).extend([review["id"], draft["id"]])
        seeded.pools.setdefault("officer_id", []).extend(str(o) for o in officers)
        seeded.pools.setdefault("unit_id", []).append(str(unit))
    seeded.pools["unit_id"].append(str(county))
    seeded.bodies = {
        "POST /api/v1/reviews": {
            "case_id": "",
            "kind": "self",
            "reviewer_ids": [""],
            "basic": BASIC_OK,
            "general": {"filing": {"deduction": 5, "notes": "立案审批表填写不全"}},
            "problems": ["立案审批表填写不全"],
        },
        "POST /api/v1/summaries": {"unit_id": "", "period": _previous_half_year(today())},
        "POST /api/v1/inspections": {"unit_id": "", "year": closed_on.year, "per_category": 1},
    }
    return seeded


kit = ServiceTestKit(
    create_app=create_app,
    settings_class=Settings,
    package="review_service",
    consumers=lambda runner, app: case_events.register(runner, app.state.settings),
    seed=seed_sibling_townships,
    prepare=known_test_unit,
)
globals().update(kit.fixtures())
