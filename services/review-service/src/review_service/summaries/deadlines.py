"""Summaries owed and overdue (REV-9): every known unit owes one per ended half year, and
``review.summary_overdue`` is emitted once for each not submitted by its due date."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.tables import unit_tree
from enforcement_common.calendar import today
from enforcement_common.contracts.review import ReviewSummaryOverdue
from enforcement_common.events import OverdueScanner
from review_service import rules
from review_service.events import SERVICE
from review_service.models import Summary
from review_service.summaries.service import owed


async def ensure_summary_rows(session: AsyncSession, since_year: int) -> None:
    """A summary is owed by every known unit for every ended half year (rows the scanner watches);
    the periodic job commits."""
    units = (await session.scalars(select(unit_tree.c.unit_id))).all()
    for period in rules.periods_ended_before(today(), since_year):
        for unit_id in units:
            await owed(session, unit_id, period)


def overdue_event(summary: Summary) -> ReviewSummaryOverdue:
    return ReviewSummaryOverdue(
        summary_id=summary.id,
        unit_id=summary.unit_id,
        period=summary.period,
        due_on=summary.due_on,
        basis=["REV-9"],
    )


def summary_overdue_scanner(interval: float) -> OverdueScanner:
    return OverdueScanner(
        "summaries-overdue",
        SERVICE,
        due_column=Summary.due_on,
        marker=Summary.overdue_emitted_at,
        where=[Summary.submitted_on.is_(None)],
        event=overdue_event,
        interval=interval,
    )
