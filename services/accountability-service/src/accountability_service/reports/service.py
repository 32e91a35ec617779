"""Quarterly interference reports (INT-3 reporting): every known unit owes one per ended quarter —
the quarter's records, or an explicit zero report — due so many days after it (policy, default
10); ``reports.deadlines`` emits one overdue event for each missing one."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accountability_service import errors
from accountability_service.interference import rules
from accountability_service.interference.service import readable
from accountability_service.models import InterferenceRecord, InterferenceReport
from accountability_service.policy import ACCOUNTABILITY_POLICIES
from accountability_service.reports.schemas import ReportCreate, ReportRead
from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, list_in_scope
from enforcement_common.calendar import SHANGHAI, today
from enforcement_common.policies import resolve


def _bounds(period: str) -> tuple[datetime, datetime]:
    start, end = rules.quarter(period)
    return (
        datetime.combine(start, time.min, SHANGHAI),
        datetime.combine(end, time.max, SHANGHAI),
    )


async def _record_ids(session: AsyncSession, unit_id: uuid.UUID, period: str, caller: Caller | None) -> list[uuid.UUID]:
    start, end = _bounds(period)
    statement = select(InterferenceRecord.id).where(
        InterferenceRecord.unit_id == unit_id, InterferenceRecord.occurred_at.between(start, end)
    )
    if caller is not None:
        statement = statement.where(readable(caller))
    return list((await session.scalars(statement.order_by(InterferenceRecord.seq))).all())


async def read(session: AsyncSession, caller: Caller, report: InterferenceReport) -> ReportRead:
    if report.submitted_on is not None:
        late = (report.submitted_on - report.due_on).days
        status, days_late = ("submitted_late", late) if late > 0 else ("submitted", None)
    else:
        status, days_late = ("overdue", (today() - report.due_on).days) if today() > report.due_on else ("owed", None)
    # INT-9: only the records the caller may see, and their count.
    visible = set(await _record_ids(session, report.unit_id, report.period, caller))
    ids = [i for i in (report.record_ids or []) if i in visible]
    return ReportRead(
        id=report.id,
        unit_id=report.unit_id,
        period=report.period,
        due_on=report.due_on,
        status=status,
        days_late=days_late,
        submitted_on=report.submitted_on,
        zero_report=report.zero_report,
        report_to=report.report_to,
        record_ids=ids,
        record_count=len(ids),
        policy_id=report.policy_id,
    )


async def owed(session: AsyncSession, unit_id: uuid.UUID, period: str) -> InterferenceReport:
    """The unit's report of the quarter, locked; created (owed) when missing."""
    report = await session.scalar(
        select(InterferenceReport)
        .where(InterferenceReport.unit_id == unit_id, InterferenceReport.period == period)
        .with_for_update()
    )
    if report is None:
        end = rules.quarter(period)[1]
        policy = await resolve(session, ACCOUNTABILITY_POLICIES, unit_id, end)
        report = InterferenceReport(
            id=uuid.uuid4(),
            unit_id=unit_id,
            period=period,
            due_on=rules.report_due(period, policy.values.report_due_days),
            policy_id=policy.policy_id,
        )
        session.add(report)
        await session.flush()
    return report


async def submit(session: AsyncSession, caller: Caller, body: ReportCreate) -> InterferenceReport:
    """Submit the quarter's report: its records, or an explicit zero report (none may be missed)."""
    await ensure_in_scope(session, caller, body.unit_id, "unit")
    if rules.quarter(body.period)[1] >= today():
        raise errors.REPORT_PERIOD_OPEN(f"{body.period} has not ended.")
    if body.submitted_on > today() or body.submitted_on <= rules.quarter(body.period)[1]:
        raise errors.INVALID_DATE("submitted_on lies after the quarter and not after today.")
    report = await owed(session, body.unit_id, body.period)
    if report.submitted_on is not None:
        raise errors.REPORT_ALREADY_SUBMITTED(f"The report of {body.period} was submitted on {report.submitted_on}.")
    ids = await _record_ids(session, body.unit_id, body.period, None)
    if body.zero_report and ids:
        raise errors.REPORT_ZERO_WITH_RECORDS(f"{len(ids)} record(s) in {body.period}: report them.")
    if not body.zero_report and not ids:
        raise errors.REPORT_ZERO_WITH_RECORDS(
            f"No record in {body.period}: submit an explicit zero report.", basis=["INT-3"]
        )
    report.submitted_on = body.submitted_on
    report.submitted_by = caller.sub
    report.zero_report = body.zero_report
    report.record_ids = ids
    report.report_to = body.report_to
    await session.flush()
    return report


async def list_page(
    session: AsyncSession, caller: Caller, page: PageParams, *, unit_id: uuid.UUID | None, period: str | None
) -> Page[ReportRead]:
    query = (
        (await list_in_scope(session, caller, InterferenceReport.unit_id))
        .equal(InterferenceReport.unit_id, unit_id)
        .equal(InterferenceReport.period, period)
    )
    items, cursor = await query.page(session, [InterferenceReport.period, InterferenceReport.id], page)
    return Page[ReportRead](items=[await read(session, caller, r) for r in items], next_cursor=cursor)
