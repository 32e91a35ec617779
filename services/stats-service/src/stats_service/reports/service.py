"""Reports (统计报表): frozen with the positions they reflect, re-derived from the event log to
verify, exported, submitted to 司法局 (STAT-4); the annual report's due date (STAT-6)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.concurrency import check_if_match
from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.api.tables import unit_tree
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, get_in_scope, list_in_scope, not_found
from enforcement_common.calendar import local_date, today
from enforcement_common.contracts.stats import StatsReportSubmitted
from enforcement_common.events import Envelope
from enforcement_common.policies import resolve
from stats_service import errors, rules
from stats_service.events import emit
from stats_service.models import AnnualReportDue, LoggedEvent, ProjectionState, Report
from stats_service.policy import STATS_POLICIES
from stats_service.projection.service import (
    apply_to_generation,
    flush_counters,
    fold_of,
    position_key,
    positions_of,
)
from stats_service.reports import content as report_content
from stats_service.reports.schemas import (
    ReportCreate,
    ReportDeadline,
    ReportRead,
    ReportSubmission,
    ReportVerification,
)


def is_annual(period: str) -> bool:
    return len(period) == 4


async def _due(session: AsyncSession, report: Report) -> AnnualReportDue | None:
    if not is_annual(report.period):
        return None
    return await session.scalar(
        select(AnnualReportDue).where(
            AnnualReportDue.unit_id == report.unit_id, AnnualReportDue.year == int(report.period)
        )
    )


async def read(session: AsyncSession, report: Report) -> ReportRead:
    deadline = None
    if is_annual(report.period):
        due = await _due(session, report)
        if due is not None:
            due_on, policy_id = due.due_on, due.policy_id
        else:
            due_on, policy_id = await annual_due_on(session, report.unit_id, int(report.period))
        status, late = rules.deadline_status(due_on, report.submitted_on, today())
        deadline = ReportDeadline(due_on=due_on, status=status, days_late=late, policy_id=policy_id)
    return ReportRead(
        id=report.id,
        unit_id=report.unit_id,
        period=report.period,
        from_=report.period_from,
        to=report.period_to,
        positions=report.positions,
        catalogue_version=report.catalogue_version,
        content_hash=report.content_hash,
        content=report.content,
        created_at=report.created_at,
        created_by=report.created_by,
        submitted_on=report.submitted_on,
        submitted_at=report.submitted_at,
        submitted_by=report.submitted_by,
        submitted_by_name=report.submitted_by_name,
        deadline=deadline,
        basis=["STAT-4", "STAT-6"] if is_annual(report.period) else ["STAT-4"],
        version=report.version,
    )


async def annual_due_on(session: AsyncSession, unit_id: uuid.UUID, year: int) -> tuple[date, uuid.UUID]:
    """STAT-6: the annual report's due date under the policy in force for the unit at the year's end."""
    policy = await resolve(session, STATS_POLICIES, unit_id, date(year, 12, 31))
    values = policy.values
    return rules.annual_report_due_on(year, values.annual_report_due_month, values.annual_report_due_day), (
        policy.policy_id
    )


async def freeze(session: AsyncSession, caller: Caller, body: ReportCreate) -> Report:
    """Compute the report from the live projection, held still (FOR SHARE), and freeze it
    with the positions it reflects, the catalogue version and its content hash."""
    known = await session.scalar(select(unit_tree.c.unit_id).where(unit_tree.c.unit_id == body.unit_id))
    if known is None:
        raise not_found("unit")
    await ensure_in_scope(session, caller, body.unit_id, "unit")
    gen = (
        await session.execute(
            select(ProjectionState.live_gen).where(ProjectionState.id == 1).with_for_update(read=True)
        )
    ).scalar_one()
    positions = await positions_of(session, gen)
    content = await report_content.build(session, gen, body.unit_id, body.period)
    start, end = rules.period_range(body.period)
    report = Report(
        id=uuid.uuid4(),
        unit_id=body.unit_id,
        period=body.period,
        period_from=start,
        period_to=end,
        positions=positions,
        catalogue_version=rules.CATALOGUE_VERSION,
        content=content,
        content_hash=rules.content_hash(content),
        created_by=caller.sub,
    )
    session.add(report)
    await session.flush()
    return report


async def get(session: AsyncSession, caller: Caller, report_id: uuid.UUID, *, lock: bool = False) -> Report:
    return await get_in_scope(session, caller, Report, report_id, "report", lock=lock)


async def list_page(
    session: AsyncSession, caller: Caller, page: PageParams, *, unit_id: uuid.UUID | None, period: str | None
) -> Page[ReportRead]:
    query = (
        (await list_in_scope(session, caller, Report.unit_id))
        .equal(Report.unit_id, unit_id)
        .equal(Report.period, period)
    )
    items, cursor = await query.page(session, [Report.created_at, Report.id], page)
    return Page(items=[await read(session, r) for r in items], next_cursor=cursor)


async def submit(
    session: AsyncSession, caller: Caller, report_id: uuid.UUID, body: ReportSubmission, if_match: str | None
) -> Report:
    """报送 to 司法局 (STAT-4): who and when; ``stats.report_submitted`` names the content hash."""
    report = await get(session, caller, report_id, lock=True)
    check_if_match(if_match, report.version)
    if report.submitted_on is not None:
        raise errors.REPORT_ALREADY_SUBMITTED("The report was submitted already; freeze a new one to correct it.")
    submitted_on = body.submitted_on or today()
    if submitted_on > today() or submitted_on < local_date(report.created_at):
        raise errors.REPORT_INVALID_DATE("The submission date is in the future or before the report was frozen.")
    report.submitted_on = submitted_on
    report.submitted_at = datetime.now(UTC)
    report.submitted_by = caller.sub
    report.submitted_by_name = caller.name
    due = await _due(session, report)
    if due is not None and due.submitted_on is None:
        due.submitted_on = submitted_on  # the annual report owed is met (late if after due_on: kept visible)
    elif is_annual(report.period) and due is None:
        due_on, policy_id = await annual_due_on(session, report.unit_id, int(report.period))
        session.add(
            AnnualReportDue(
                unit_id=report.unit_id,
                year=int(report.period),
                due_on=due_on,
                policy_id=policy_id,
                submitted_on=submitted_on,
            )
        )
    await session.flush()
    await emit(
        session,
        StatsReportSubmitted(
            report_id=report.id,
            unit_id=report.unit_id,
            period=report.period,
            content_hash=report.content_hash,
            submitted_on=submitted_on,
        ),
    )
    return report


async def rederive(
    session: AsyncSession, positions: dict[str, int], unit_id: uuid.UUID, period: str
) -> tuple[dict, int]:
    """The content re-derived from the logged events before ``positions``, folded into a scratch
    generation inside a savepoint that is rolled back (nothing of it stays)."""
    scratch = -random.randint(1, 2**30)
    conditions = []
    for key, offset in positions.items():
        topic, _, partition = key.rpartition(":")
        conditions.append(
            and_(LoggedEvent.topic == topic, LoggedEvent.partition == int(partition), LoggedEvent.offset < offset)
        )
    replayed = 0
    nested = await session.begin_nested()
    try:
        if conditions:
            rows = await session.stream_scalars(
                select(LoggedEvent)
                .where(or_(*conditions))
                .order_by(LoggedEvent.topic, LoggedEvent.partition, LoggedEvent.offset)
                .execution_options(yield_per=1000)
            )
            events = [row async for row in rows]
            for row in events:
                envelope = Envelope(
                    id=row.event_id,
                    source="stats-service.log",
                    type=row.type,
                    time=row.time,
                    subject=str(row.event_id),
                    dataschema="",
                    data=row.data,
                )
                fold = fold_of(envelope, row.topic, row.partition, row.offset)
                if fold is not None and await apply_to_generation(session, scratch, fold):
                    replayed += 1
            await flush_counters(session)
        content = await report_content.build(session, scratch, unit_id, period)
    finally:
        await nested.rollback()
    return content, replayed


async def verify(session: AsyncSession, caller: Caller, report_id: uuid.UUID) -> ReportVerification:
    report = await get(session, caller, report_id)
    content, replayed = await rederive(session, report.positions, report.unit_id, report.period)
    rederived_hash = rules.content_hash(content)
    diffs = report_content.differences(report.content, content)
    return ReportVerification(
        report_id=report.id,
        matches=rederived_hash == report.content_hash and not diffs,
        content_hash=report.content_hash,
        rederived_hash=rederived_hash,
        events_replayed=replayed,
        positions=report.positions,
        differences=diffs,
    )


__all__ = ["annual_due_on", "freeze", "get", "list_page", "position_key", "read", "submit", "verify"]
