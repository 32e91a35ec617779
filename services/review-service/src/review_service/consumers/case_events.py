"""Read models and obligations from case-service's events (no calls into its database).

* ``case.filed`` / ``case.closed`` keep the case read model; ``case.closed`` creates the
  self-review obligation due ``closed_on`` + 30 days (REV-5) and counts a lead case for
  the handler's year (REV-8).
* ``case.legal_remedy_recorded`` of kind reconsideration or litigation excludes the
  obligation at any time before its review completes (REV-12); later, it changes nothing.
* ``officer.*`` keep the officer read model.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.contracts.case import (
    CASES,
    OFFICERS,
    CaseClosed,
    CaseFiled,
    CaseLegalRemedyRecorded,
    OfficerQualificationChanged,
    OfficerRegistered,
    OfficerUpdated,
)
from enforcement_common.contracts.review import ReviewObligationCreated, ReviewObligationExcluded
from enforcement_common.events import ConsumerRunner, ReceivedEvent
from review_service import rules
from review_service.assessments import service as assessments
from review_service.common import emit
from review_service.models import CaseView, ExcludingRemedy, Obligation, OfficerView, Review

TOPICS = [CASES, OFFICERS]


async def _upsert_case(session: AsyncSession, values: dict) -> None:
    update = {k: v for k, v in values.items() if k != "case_id" and v is not None}
    await session.execute(
        insert(CaseView).values(**values).on_conflict_do_update(index_elements=[CaseView.case_id], set_=update)
    )


async def on_case_filed(session: AsyncSession, event: ReceivedEvent[CaseFiled]) -> None:
    d = event.data
    await _upsert_case(
        session,
        {
            "case_id": d.case_id,
            "unit_id": d.unit_id,
            "case_no": d.case_no,
            "category": d.category,
            "lead_handler_id": d.lead_handler_id,
            "handler_ids": d.handler_ids,
            "filed_on": d.filed_on,
            "closed_on": None,
        },
    )


async def on_case_closed(session: AsyncSession, event: ReceivedEvent[CaseClosed], *, above_ten: str) -> None:
    d = event.data
    await _upsert_case(
        session,
        {
            "case_id": d.case_id,
            "unit_id": d.unit_id,
            "case_no": d.case_no,
            "category": d.category,
            "lead_handler_id": d.lead_handler_id,
            "handler_ids": d.handler_ids,
            "filed_on": d.filed_on,
            "closed_on": d.closed_on,
        },
    )
    await assessments.add_lead_case(session, d.lead_handler_id, d.unit_id, d.closed_on.year, d.case_id, above_ten)
    if await session.scalar(select(Obligation.id).where(Obligation.case_id == d.case_id)):
        return
    obligation = Obligation(
        id=uuid.uuid4(),
        case_id=d.case_id,
        unit_id=d.unit_id,
        lead_handler_id=d.lead_handler_id,
        closed_on=d.closed_on,
        due_on=rules.obligation_due(d.closed_on),
        status="pending",
    )
    session.add(obligation)
    await session.flush()
    await emit(
        session,
        ReviewObligationCreated(
            obligation_id=obligation.id,
            case_id=d.case_id,
            unit_id=d.unit_id,
            lead_handler_id=d.lead_handler_id,
            closed_on=d.closed_on,
            due_on=obligation.due_on,
            basis=["REV-5"],
        ),
    )
    earlier = await session.get(ExcludingRemedy, d.case_id)
    if earlier is not None:  # a reconsideration or litigation filed before the closure (REV-12)
        await _exclude(session, obligation, earlier.remedy_id, earlier.kind)


async def _exclude(session: AsyncSession, obligation: Obligation, remedy_id: uuid.UUID, kind: str) -> None:
    obligation.status = "excluded"
    obligation.excluded_by_remedy_id = remedy_id
    obligation.exclusion_reason = rules.EXCLUDING_REMEDIES[kind]
    await session.flush()
    await emit(
        session,
        ReviewObligationExcluded(
            obligation_id=obligation.id,
            case_id=obligation.case_id,
            unit_id=obligation.unit_id,
            lead_handler_id=obligation.lead_handler_id,
            remedy_id=remedy_id,
            reason=obligation.exclusion_reason,
            basis=["REV-12"],
        ),
    )


async def on_legal_remedy(session: AsyncSession, event: ReceivedEvent[CaseLegalRemedyRecorded]) -> None:
    d = event.data
    if not rules.excludes_review(d.kind):
        return
    # Remembered even before the case closes: its obligation is then born excluded.
    await session.execute(
        insert(ExcludingRemedy).values(case_id=d.case_id, remedy_id=d.remedy_id, kind=d.kind).on_conflict_do_nothing()
    )
    obligation = await session.scalar(select(Obligation).where(Obligation.case_id == d.case_id).with_for_update())
    if obligation is None or obligation.status in ("excluded", "reviewed"):
        return
    completed = await session.scalar(
        select(Review.id).where(Review.case_id == d.case_id, Review.kind == "self", Review.status == "completed")
    )
    if completed is not None:
        return  # a remedy after the review completed does not undo it (REV-12)
    await _exclude(session, obligation, d.remedy_id, d.kind)


async def on_officer(session: AsyncSession, event: ReceivedEvent[OfficerRegistered | OfficerUpdated]) -> None:
    d = event.data
    values = {"unit_id": d.unit_id, "name": d.name, "qualification_status": d.qualification_status}
    await session.execute(
        insert(OfficerView)
        .values(officer_id=d.officer_id, **values)
        .on_conflict_do_update(index_elements=[OfficerView.officer_id], set_=values)
    )


async def on_qualification(session: AsyncSession, event: ReceivedEvent[OfficerQualificationChanged]) -> None:
    officer = await session.get(OfficerView, event.data.officer_id)
    if officer is not None:
        officer.qualification_status = event.data.to_status


def register(runner: ConsumerRunner, *, above_ten: str) -> None:
    async def closed(session: AsyncSession, event: ReceivedEvent[CaseClosed]) -> None:
        await on_case_closed(session, event, above_ten=above_ten)

    runner.on(CaseFiled)(on_case_filed)
    runner.on(CaseClosed)(closed)
    runner.on(CaseLegalRemedyRecorded)(on_legal_remedy)
    runner.on(OfficerRegistered)(on_officer)
    runner.on(OfficerUpdated)(on_officer)
    runner.on(OfficerQualificationChanged)(on_qualification)
