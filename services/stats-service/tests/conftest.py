"""Fixtures of stats-service's tests, from the shared test kit (enforcement_common.testing.kit):
a database copied from the session's migrated template per test, the app in process, every
topic's events delivered through the real inbox path, and a seeded world of two sibling
townships (officers, trainings, cases, reviews, tolerance, accountability) for the
inherited checks."""

from __future__ import annotations

import functools
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from enforcement_common.calendar import today
from enforcement_common.contracts.accountability import ErrorCaseDecided, ErrorCaseOpened, Respondent, SanctionImposed
from enforcement_common.contracts.case import (
    CaseClosed,
    CaseDecided,
    CaseFiled,
    OfficerRegistered,
    TrainingRecorded,
    UnitCreated,
)
from enforcement_common.contracts.review import ReviewCompleted, ReviewObligationCreated
from enforcement_common.contracts.tolerance import ToleranceDecided
from enforcement_common.testing.delivery import deliver as deliver_to
from enforcement_common.testing.kit import Seeded, ServiceTestKit
from stats_service.config import Settings
from stats_service.consumers import all_topics
from stats_service.main import create_app

ALL_DUTIES = ["penalty", "license", "coercion", "inspection", "levy", "requisition"]


@pytest.fixture
def deliver(app):
    """``await deliver(event, times=1, replay=False)`` through the real inbox path."""
    return functools.partial(deliver_to, app)


class World:
    """Builders of the other services' events, as they publish them."""

    @staticmethod
    def unit(name: str, parent: uuid.UUID | None = None, duties=ALL_DUTIES, kind="township", region="141029"):
        return UnitCreated(
            unit_id=uuid.uuid4(),
            code=f"U{uuid.uuid4().hex[:6]}",
            name=name,
            kind=kind if parent else "county",
            parent_id=parent,
            region_code=region,
            duties=list(duties),
        )

    @staticmethod
    def officer(unit: uuid.UUID, name: str, *, expires_on: date | None = None, staff_type="established", no=True):
        officer_id = uuid.uuid4()
        return OfficerRegistered(
            officer_id=officer_id,
            unit_id=unit,
            name=name,
            staff_type=staff_type,
            certificate_no=f"14{officer_id.hex[:8]}" if no else None,
            certificate_expires_on=expires_on if expires_on is not None else today() + timedelta(days=365),
            qualification_status="active",
        )

    @staticmethod
    def case(unit: uuid.UUID, lead: uuid.UUID, *, category="penalty", filed_on: date, n: int = 1):
        case_id = uuid.uuid4()
        return CaseFiled(
            case_id=case_id,
            case_no=f"〔{filed_on.year}〕{case_id.int % 100000}号",
            unit_id=unit,
            category=category,
            lead_handler_id=lead,
            handler_ids=[lead],
            filed_on=filed_on,
            is_major=False,
        )

    @staticmethod
    def decided(filed: CaseFiled, decided_on: date, kinds=(), fine=None, confiscation=None, hearing=False):
        return CaseDecided(
            case_id=filed.case_id,
            unit_id=filed.unit_id,
            case_no=filed.case_no,
            category=filed.category,
            decided_on=decided_on,
            decision_type="penalty" if filed.category == "penalty" else "other",
            penalty_kinds=list(kinds),
            fine_amount=Decimal(fine) if fine is not None else None,
            confiscation_amount=Decimal(confiscation) if confiscation is not None else None,
            hearing_held=hearing,
        )

    @staticmethod
    def closed(filed: CaseFiled, closed_on: date, fine=None, confiscation=None, hearing=False):
        return CaseClosed(
            case_id=filed.case_id,
            case_no=filed.case_no,
            unit_id=filed.unit_id,
            category=filed.category,
            lead_handler_id=filed.lead_handler_id,
            handler_ids=filed.handler_ids,
            filed_on=filed.filed_on,
            closed_on=closed_on,
            fine_amount=Decimal(fine) if fine is not None else None,
            confiscation_amount=Decimal(confiscation) if confiscation is not None else None,
            hearing_held=hearing,
        )

    @staticmethod
    def training(attendees, *, kind="attended", organizer=None, start: date, hours=8.0):
        return TrainingRecorded(
            training_id=uuid.uuid4(),
            kind=kind,
            organizer_unit_id=organizer,
            title="行政处罚法专题培训",
            content="行政处罚法 第九条",
            start_date=start,
            end_date=start,
            hours=hours,
            attendee_ids=list(attendees),
        )


@pytest.fixture
def world():
    return World


async def seed_sibling_townships(kit: ServiceTestKit, app, client) -> Seeded:
    """某县 with townships 城关 (home) and 西关 (sibling): per township three officers, a
    training, penalty cases filed, decided and closed this year, a completed self-review, a
    tolerance decision and an error case with a sanction."""
    county = World.unit("某县司法局")
    await deliver_to(app, county)
    seeded = Seeded(county=str(county.unit_id), units={})
    year_start = date(today().year, 1, 1)
    for label, short in (("home", "城关"), ("sibling", "西关")):
        unit = World.unit(f"{short}镇人民政府", county.unit_id)
        await deliver_to(app, unit)
        officers = [World.officer(unit.unit_id, f"{short}执法员{n}") for n in ("甲", "乙", "丙")]
        for o in officers:
            await deliver_to(app, o)
        await deliver_to(app, World.training([o.officer_id for o in officers], start=year_start))
        lead = officers[0].officer_id
        filed = World.case(unit.unit_id, lead, filed_on=year_start)
        await deliver_to(app, filed)
        await deliver_to(app, World.decided(filed, year_start, kinds=["fine", "warning"], fine="1500.00"))
        await deliver_to(app, World.closed(filed, year_start, fine="1500.00"))
        await deliver_to(
            app,
            ReviewObligationCreated(
                obligation_id=uuid.uuid4(),
                case_id=filed.case_id,
                unit_id=unit.unit_id,
                lead_handler_id=lead,
                basis=["REV-5"],
                closed_on=year_start,
                due_on=year_start + timedelta(days=30),
            ),
        )
        await deliver_to(
            app,
            ReviewCompleted(
                review_id=uuid.uuid4(),
                case_id=filed.case_id,
                unit_id=unit.unit_id,
                kind="self",
                grade="excellent",
                score=95,
                lead_handler_id=lead,
                handler_ids=[lead],
            ),
        )
        await deliver_to(
            app,
            ToleranceDecided(
                application_id=uuid.uuid4(),
                unit_id=unit.unit_id,
                officer_ids=[officers[1].officer_id],
                case_id=filed.case_id,
                outcome="exempted",
                mitigation_kind=None,
                decided_on=year_start,
                notify_due_on=year_start + timedelta(days=7),
                basis=["TOL-11"],
            ),
        )
        error_case = uuid.uuid4()
        await deliver_to(
            app,
            ErrorCaseOpened(error_case_id=error_case, unit_id=unit.unit_id, case_id=filed.case_id, source="complaint"),
        )
        await deliver_to(
            app,
            ErrorCaseDecided(
                error_case_id=error_case,
                unit_id=unit.unit_id,
                case_id=filed.case_id,
                is_error_case=True,
                decided_on=year_start,
                respondents=[
                    Respondent(
                        officer_id=lead, handling="sanctioned", sanctions=["written_self_criticism"], tolerated=False
                    ),
                    Respondent(officer_id=officers[1].officer_id, handling="tolerated", sanctions=[], tolerated=True),
                ],
            ),
        )
        await deliver_to(
            app,
            SanctionImposed(
                error_case_id=error_case,
                officer_id=lead,
                unit_id=unit.unit_id,
                sanctions=["written_self_criticism"],
                effective_on=year_start,
            ),
        )
        report = await client.post(
            "/api/v1/reports",
            json={"unit_id": str(unit.unit_id), "period": str(year_start.year)},
            headers=kit.headers("unit_leader", unit=unit.unit_id),
        )
        assert report.status_code == 201, report.text
        seeded.units[label] = str(unit.unit_id)
        seeded.officers[label] = str(lead)
        seeded.ids[label] = {"unit_id": str(unit.unit_id), "report_id": report.json()["id"]}
        seeded.markers[label] = {
            str(unit.unit_id),
            report.json()["id"],
            report.json()["content_hash"],
            *(o.name for o in officers),
            *(str(o.officer_id) for o in officers),
        }
        seeded.pools.setdefault("unit_id", []).append(str(unit.unit_id))
    seeded.pools["unit_id"].append(str(county.unit_id))
    rebuild = await client.post("/api/v1/admin/rebuild", headers=kit.headers("admin"))
    assert rebuild.status_code == 202, rebuild.text
    for ids in seeded.ids.values():  # one rebuild of the whole projection (service-wide by design)
        ids["rebuild_id"] = rebuild.json()["id"]
    seeded.bodies = {"POST /api/v1/reports": {"unit_id": "", "period": str(year_start.year)}}
    return seeded


kit = ServiceTestKit(
    create_app=create_app,
    settings_class=Settings,
    package="stats_service",
    consumers=lambda runner, app: all_topics.register(runner, app.state.settings),
    seed=seed_sibling_townships,
)
globals().update(kit.fixtures())
