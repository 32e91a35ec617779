"""The deadline scanner: one ``case.deadline_overdue`` per statutory deadline missed (CASE-9);
and the counting of last days that had to wait for the year's holiday calendar."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from case_service.cases import rules
from case_service.events import SERVICE
from case_service.models import Case, CaseDeadline
from case_service.policy import CASE_POLICIES
from enforcement_common.contracts.case import CaseDeadlineOverdue
from enforcement_common.events import OverdueScanner
from enforcement_common.policies import resolve, version_values


def overdue_event(deadline: CaseDeadline) -> CaseDeadlineOverdue:
    return CaseDeadlineOverdue(
        case_id=deadline.case_id,
        unit_id=deadline.unit_id,
        kind=deadline.kind,
        due_on=deadline.due_on,
        basis=deadline.basis,
    )


def scanner(interval: float) -> OverdueScanner:
    """Open deadlines whose last day has passed, of cases still under way (CASE-9)."""
    return OverdueScanner(
        "case-deadlines",
        SERVICE,
        due_column=CaseDeadline.due_on,
        marker=CaseDeadline.overdue_emitted_at,
        where=[
            CaseDeadline.met_on.is_(None),
            CaseDeadline.case_id.in_(select(Case.id).where(Case.status.not_in(sorted(rules.ENDED_STATUSES)))),
        ],
        event=overdue_event,
        interval=interval,
    )


async def count_awaited_days(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Deadlines whose last day could not be counted (working days of a year whose holiday
    calendar was not published yet): count them now where the calendar covers them. Run
    when a year is published (calendar.year_published) and hourly (a library update)."""
    async with sessions() as session, session.begin():
        return await count_awaited_in(session)


async def count_awaited_in(session: AsyncSession) -> int:
    """:func:`count_awaited_days` inside the caller's transaction."""
    filled = 0
    rows = (
        await session.execute(
            select(CaseDeadline, Case)
            .join(Case, Case.id == CaseDeadline.case_id)
            .where(CaseDeadline.due_on.is_(None))
            .with_for_update(of=CaseDeadline, skip_locked=True)
            .limit(1000)
        )
    ).all()
    for deadline, case in rows:
        # Under the policy version that set the deadline (the one in force on its fact's date).
        if deadline.policy_id is not None:
            values = await version_values(session, CASE_POLICIES, deadline.policy_id)
        else:  # set before deadlines named their policy
            fact_on = case.filed_on if deadline.kind == "decision" else case.decided_on or case.filed_on
            resolved = await resolve(session, CASE_POLICIES, case.unit_id, fact_on)
            deadline.policy_id, values = resolved.policy_id, resolved.values
        period = values.deadline(case.category)
        if deadline.kind == "decision":
            deadline.due_on = rules.decision_due(case.filed_on, period)
        elif case.decided_on is not None:
            deadline.due_on = rules.service_due(case.decided_on, period)
        filled += deadline.due_on is not None
    return filled
