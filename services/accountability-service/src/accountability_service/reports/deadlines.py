"""Quarterly reports owed and overdue: every known unit owes one per ended quarter, and
``accountability.interference_report_overdue`` is emitted once for each not submitted by its due date."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accountability_service.events import SERVICE
from accountability_service.interference import rules
from accountability_service.models import InterferenceReport
from accountability_service.reports.service import owed
from enforcement_common.api.tables import unit_tree
from enforcement_common.calendar import today
from enforcement_common.contracts.accountability import InterferenceReportOverdue
from enforcement_common.events import OverdueScanner


async def ensure_report_rows(session: AsyncSession, since_year: int) -> None:
    """The reports every known unit owes (rows the scanner watches); the periodic job commits."""
    units = (await session.scalars(select(unit_tree.c.unit_id))).all()
    for period in rules.quarters_ended_before(today(), since_year):
        for unit_id in units:
            await owed(session, unit_id, period)


def overdue_event(report: InterferenceReport) -> InterferenceReportOverdue:
    return InterferenceReportOverdue(
        report_id=report.id, unit_id=report.unit_id, period=report.period, due_on=report.due_on, basis=["INT-3"]
    )


def report_overdue_scanner(interval: float) -> OverdueScanner:
    return OverdueScanner(
        "interference-reports-overdue",
        SERVICE,
        due_column=InterferenceReport.due_on,
        marker=InterferenceReport.overdue_emitted_at,
        where=[InterferenceReport.submitted_on.is_(None)],
        event=overdue_event,
        interval=interval,
    )
