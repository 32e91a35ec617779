"""Annual reports owed and overdue (STAT-6): every known unit owes one per ended year, due per
policy (31 January of the next year); ``stats.report_overdue`` is emitted once for each not
submitted by its due date. The breach stays visible after a late submission (``submitted_on``
after ``due_on``)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from enforcement_common.calendar import today
from enforcement_common.contracts.stats import StatsReportOverdue
from enforcement_common.events import OverdueScanner
from stats_service.events import SERVICE
from stats_service.models import AnnualReportDue, StatUnit
from stats_service.projection.service import live_generation
from stats_service.reports.service import annual_due_on


async def ensure_annual_dues(app: FastAPI) -> None:
    """The periodic job: a row per known unit and ended year (its own transaction), then the scan."""
    settings = app.state.settings
    async with app.state.sessions() as session, session.begin():
        gen = await live_generation(session)
        units = (await session.scalars(select(StatUnit.unit_id).where(StatUnit.gen == gen))).all()
        for year in range(settings.reports_since_year, today().year):
            for unit_id in units:
                due_on, policy_id = await annual_due_on(session, unit_id, year)
                await session.execute(
                    insert(AnnualReportDue)
                    .values(unit_id=unit_id, year=year, due_on=due_on, policy_id=policy_id)
                    .on_conflict_do_nothing(index_elements=[AnnualReportDue.unit_id, AnnualReportDue.year])
                )
    await annual_report_overdue_scanner(settings.report_scan_interval_seconds).scan_once(app.state.sessions)


def overdue_event(due: AnnualReportDue) -> StatsReportOverdue:
    return StatsReportOverdue(unit_id=due.unit_id, period=str(due.year), due_on=due.due_on, basis=["STAT-6"])


def annual_report_overdue_scanner(interval: float) -> OverdueScanner:
    return OverdueScanner(
        "annual-reports-overdue",
        SERVICE,
        due_column=AnnualReportDue.due_on,
        marker=AnnualReportDue.overdue_emitted_at,
        where=[AnnualReportDue.submitted_on.is_(None)],
        event=overdue_event,
        interval=interval,
    )
