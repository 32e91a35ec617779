"""Sanctions from review-service (REV-8) and accountability-service (ERR-11).

``review.officer_sanctioned`` at level ``suspension`` suspends the officer;
``accountability.sanction_imposed`` with ``suspend_enforcement`` suspends, with
``remove_from_post`` revokes. Each event is applied once (the inbox), and an officer
already in the resulting state is left alone, so a redelivery changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.models import Officer
from case_service.officers.schemas import QualificationChange
from case_service.officers.service import change_qualification
from enforcement_common.calendar import today
from enforcement_common.contracts.accountability import ACCOUNTABILITY, SanctionImposed
from enforcement_common.contracts.review import REVIEWS, ReviewOfficerSanctioned
from enforcement_common.events import ConsumerRunner, ReceivedEvent

TOPICS = [REVIEWS, ACCOUNTABILITY]


async def _officer(session: AsyncSession, officer_id) -> Officer | None:
    return await session.scalar(select(Officer).where(Officer.id == officer_id).with_for_update())


async def on_officer_sanctioned(session: AsyncSession, event: ReceivedEvent[ReviewOfficerSanctioned]) -> None:
    data = event.data
    if data.level != "suspension":
        return  # criticism and no_commendation do not touch the certificate
    officer = await _officer(session, data.officer_id)
    if officer is None:
        return
    if officer.restriction != "none":
        # Already suspended for another reason: reinstatement now needs REV-8's conditions too,
        # counted from this sanction — training and assessment before it do not count.
        _add_basis(officer, "REV-8")
        officer.restricted_on = max(filter(None, [officer.restricted_on, today()]))
        return
    await change_qualification(
        session,
        officer,
        QualificationChange(
            action="suspend",
            reason=f"{data.year} 年度案卷评查不合格 {data.unqualified_count} 件（主办 {data.lead_cases} 件）",
            basis=list(dict.fromkeys(["REV-8", *data.basis])),
        ),
        commit=False,
    )


async def on_sanction_imposed(session: AsyncSession, event: ReceivedEvent[SanctionImposed]) -> None:
    data = event.data
    officer = await _officer(session, data.officer_id)
    if officer is None:
        return
    reason = f"错案责任追究 {data.error_case_id}"
    if "remove_from_post" in data.sanctions and officer.restriction != "revoked":
        await change_qualification(
            session,
            officer,
            QualificationChange(action="revoke", reason=reason, basis=["ERR-11"], effective_on=data.effective_on),
            commit=False,
        )
    elif "suspend_enforcement" in data.sanctions and officer.restriction == "suspended":
        _add_basis(officer, "ERR-11")
    elif "suspend_enforcement" in data.sanctions and officer.restriction == "none":
        await change_qualification(
            session,
            officer,
            QualificationChange(action="suspend", reason=reason, basis=["ERR-11"], effective_on=data.effective_on),
            commit=False,
        )


def _add_basis(officer: Officer, basis: str) -> None:
    """A second, concurrent reason for the same suspension is kept, not dropped."""
    if basis not in (officer.restriction_basis or []):
        officer.restriction_basis = [*(officer.restriction_basis or []), basis]


def register(runner: ConsumerRunner) -> None:
    runner.on(ReviewOfficerSanctioned)(on_officer_sanctioned)
    runner.on(SanctionImposed)(on_sanction_imposed)
