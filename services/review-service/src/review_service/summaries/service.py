"""Half-year self-review summaries (REV-9): generated from the data, reported in writing to
县司法局 once, watched for lateness by ``summaries.deadlines``."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, get_in_scope, list_in_scope
from enforcement_common.calendar import today
from enforcement_common.contracts.review import ReviewSummarySubmitted
from enforcement_common.policies import resolve
from review_service import errors, rules
from review_service.events import emit
from review_service.models import CaseView, Obligation, Review, Summary
from review_service.policy import REVIEW_POLICIES
from review_service.summaries.schemas import SummaryCreate, SummaryRead, SummarySubmission


def read(summary: Summary) -> SummaryRead:
    if summary.submitted_on:
        status = "submitted"
    elif today() > summary.due_on:
        status = "overdue"
    else:
        status = "draft" if summary.figures is not None else "not_generated"
    return SummaryRead(
        id=summary.id,
        unit_id=summary.unit_id,
        period=summary.period,
        due_on=summary.due_on,
        status=status,
        figures=summary.figures,
        submitted_on=summary.submitted_on,
        policy_id=summary.policy_id,
    )


async def figures(session: AsyncSession, unit_id: uuid.UUID, period: str) -> dict:
    """The half year's figures: obligations by status, the self-reviews of the files it produced."""
    start, end = rules.half_year(period)
    obligations = (
        await session.execute(
            select(Obligation.status, func.count())
            .where(Obligation.unit_id == unit_id, Obligation.closed_on.between(start, end))
            .group_by(Obligation.status)
        )
    ).all()
    # The self-reviews of the files the half year produced (cases closed in it).
    reviews = (
        await session.scalars(
            select(Review)
            .join(CaseView, CaseView.case_id == Review.case_id)
            .where(
                Review.unit_id == unit_id,
                Review.kind == "self",
                Review.status == "completed",
                CaseView.closed_on.between(start, end),
            )
        )
    ).all()
    problems = Counter(p for r in reviews for p in r.problems)
    by_status = dict(obligations)
    return {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "obligations": sum(by_status.values()),
        "obligations_by_status": by_status,
        "reviews_completed": len(reviews),
        "grades": dict(Counter(r.grade for r in reviews)),
        "average_score": round(sum(r.score for r in reviews) / len(reviews), 1) if reviews else None,
        "most_frequent_problems": [{"problem": p, "count": c} for p, c in problems.most_common(5)],
    }


async def owed(session: AsyncSession, unit_id: uuid.UUID, period: str) -> Summary:
    """The unit's summary of the period, locked; created (not generated yet) when missing."""
    summary = await session.scalar(
        select(Summary).where(Summary.unit_id == unit_id, Summary.period == period).with_for_update()
    )
    if summary is None:
        # REV-9: due so many days after the half year, per the policy in force on its last day.
        policy = await resolve(session, REVIEW_POLICIES, unit_id, rules.half_year(period)[1])
        summary = Summary(
            id=uuid.uuid4(),
            unit_id=unit_id,
            period=period,
            due_on=rules.summary_due(period, policy.values.summary_due_days),
            policy_id=policy.policy_id,
        )
        session.add(summary)
    return summary


async def generate(session: AsyncSession, caller: Caller, body: SummaryCreate) -> SummaryRead:
    """Generate (or regenerate, until submitted) a unit's half-year summary from the data (REV-9)."""
    await ensure_in_scope(session, caller, body.unit_id, "unit")
    if rules.half_year(body.period)[1] >= today():
        # The figures of a half year are only whole once it has ended (REV-9: 每半年).
        raise errors.SUMMARY_PERIOD_NOT_ENDED(
            f"{body.period} ends on {rules.half_year(body.period)[1].isoformat()}; its summary is generated after.",
            basis=["REV-9"],
        )
    summary = await owed(session, body.unit_id, body.period)
    if summary.submitted_on:
        raise errors.SUMMARY_ALREADY_SUBMITTED("The summary was submitted; it can no longer change.", basis=["REV-9"])
    summary.figures = await figures(session, body.unit_id, body.period)
    summary.generated_at = datetime.now(UTC)
    await session.flush()
    return read(summary)


async def list_page(
    session: AsyncSession, caller: Caller, page: PageParams, *, unit_id: uuid.UUID | None, period: str | None
) -> Page[SummaryRead]:
    query = (
        (await list_in_scope(session, caller, Summary.unit_id))
        .equal(Summary.unit_id, unit_id)
        .equal(Summary.period, period)
    )
    items, cursor = await query.page(session, [Summary.period, Summary.id], page)
    return Page[SummaryRead](items=[read(s) for s in items], next_cursor=cursor)


async def submit(session: AsyncSession, caller: Caller, summary_id: uuid.UUID, body: SummarySubmission) -> SummaryRead:
    """Report the summary in writing to 县司法局 (REV-9), once."""
    # Locked: of two concurrent submissions, the second sees the first and is refused (one event).
    summary = await get_in_scope(session, caller, Summary, summary_id, "summary", lock=True)
    if summary.submitted_on or summary.figures is None:
        raise errors.SUMMARY_NOT_SUBMITTABLE(
            "Generate the summary first; a submitted one stays as it is.",
            basis=["REV-9"],
        )
    if body.submitted_on > today() or body.submitted_on < rules.half_year(summary.period)[1]:
        raise errors.SUMMARY_INVALID_DATE("submitted_on lies between the end of the half year and today.")
    summary.submitted_on = body.submitted_on
    await session.flush()
    await emit(
        session,
        ReviewSummarySubmitted(
            summary_id=summary.id,
            unit_id=summary.unit_id,
            period=summary.period,
            submitted_on=body.submitted_on,
            basis=["REV-9"],
        ),
    )
    return read(summary)
