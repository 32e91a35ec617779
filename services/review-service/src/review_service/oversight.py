"""Oversight of self-review: half-year summaries (REV-9), compliance (REV-6, REV-17),
hierarchical inspections with reproducible draws (REV-10, REV-11), exemplary files (REV-16)."""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.pagination import Page, PageParamsDep, paginate
from enforcement_common.api.problems import ProblemError
from enforcement_common.api.tables import unit_tree
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, not_found, select_in_scope
from enforcement_common.calendar import local_date, today
from enforcement_common.contracts.review import ReviewInspectionDrawn, ReviewSummaryOverdue, ReviewSummarySubmitted
from enforcement_common.events import DeadlineScanner
from review_service import rules
from review_service.common import (
    COMMON_RESPONSES,
    CONFLICT,
    NOT_FOUND,
    SERVICE,
    AnyCaller,
    Reviewer,
    SessionDep,
    emit,
)
from review_service.models import (
    CaseView,
    ExcludingRemedy,
    ExemplaryFile,
    Inspection,
    Obligation,
    Review,
    Summary,
)

router = ServiceRouter(tags=["oversight"], responses=COMMON_RESPONSES)
JusticeBureau = Annotated[Caller, Depends(require_roles("justice_bureau"))]
LegalAffairs = Annotated[Caller, Depends(require_roles("legal_affairs"))]
Period = Annotated[str, Field(pattern=r"^(19|20)[0-9]{2}H[12]$", examples=["2026H1"])]


# --- REV-9 summaries ---------------------------------------------------------------------------


class SummaryCreate(BaseModel):
    unit_id: uuid.UUID
    period: Period


class SummaryRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    period: str
    due_on: date
    status: Literal["draft", "submitted", "overdue", "not_generated"]
    figures: dict | None
    submitted_on: date | None
    basis: list[str] = ["REV-9"]


class SummarySubmission(BaseModel):
    submitted_on: date


def _summary_read(summary: Summary) -> SummaryRead:
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
    )


async def _figures(session: AsyncSession, unit_id: uuid.UUID, period: str) -> dict:
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


async def _summary_row(session: AsyncSession, unit_id: uuid.UUID, period: str, days_after: int) -> Summary:
    summary = await session.scalar(
        select(Summary).where(Summary.unit_id == unit_id, Summary.period == period).with_for_update()
    )
    if summary is None:
        summary = Summary(id=uuid.uuid4(), unit_id=unit_id, period=period, due_on=rules.summary_due(period, days_after))
        session.add(summary)
    return summary


@router.post("/summaries", status_code=201, response_model=SummaryRead, responses={**NOT_FOUND, **CONFLICT})
async def generate_summary(
    body: SummaryCreate, caller: LegalAffairs, session: SessionDep, request: Request
) -> SummaryRead:
    """Generate (or regenerate, until submitted) a unit's half-year summary from the data (REV-9)."""
    await ensure_in_scope(session, caller, body.unit_id, "unit")
    summary = await _summary_row(session, body.unit_id, body.period, request.app.state.settings.summary_due_days)
    if summary.submitted_on:
        raise ProblemError(
            409, "summary.already_submitted", "The summary was submitted; it can no longer change.", basis=["REV-9"]
        )
    summary.figures = await _figures(session, body.unit_id, body.period)
    summary.generated_at = datetime.now(UTC)
    await session.commit()
    return _summary_read(summary)


@router.get("/summaries", response_model=Page[SummaryRead])
async def list_summaries(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    period: Period | None = None,
) -> Page[SummaryRead]:
    """Half-year summaries in the caller's scope."""
    statement = await select_in_scope(session, caller, Summary.unit_id)
    if unit_id:
        statement = statement.where(Summary.unit_id == unit_id)
    if period:
        statement = statement.where(Summary.period == period)
    items, cursor = await paginate(session, statement, [Summary.period, Summary.id], page)
    return Page[SummaryRead](items=[_summary_read(s) for s in items], next_cursor=cursor)


@router.post("/summaries/{summary_id}/submission", response_model=SummaryRead, responses={**NOT_FOUND, **CONFLICT})
async def submit_summary(
    summary_id: uuid.UUID, body: SummarySubmission, caller: LegalAffairs, session: SessionDep
) -> SummaryRead:
    """Report the summary in writing to 县司法局 (REV-9)."""
    # Locked: of two concurrent submissions, the second sees the first and is refused (one event).
    summary = await session.get(Summary, summary_id, with_for_update=True)
    if summary is None:
        raise not_found("summary")
    await ensure_in_scope(session, caller, summary.unit_id, "summary")
    if summary.submitted_on or summary.figures is None:
        raise ProblemError(
            409,
            "summary.not_submittable",
            "Generate the summary first; a submitted one stays as it is.",
            basis=["REV-9"],
        )
    if body.submitted_on > today() or body.submitted_on < rules.half_year(summary.period)[1]:
        raise ProblemError(422, "summary.invalid_date", "submitted_on lies between the end of the half year and today.")
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
    await session.commit()
    return _summary_read(summary)


async def ensure_summary_rows(session: AsyncSession, days_after: int, since_year: int) -> None:
    """A summary is owed by every known unit for every ended half year (rows the scanner watches)."""
    units = (await session.scalars(select(unit_tree.c.unit_id))).all()
    for period in rules.periods_ended_before(today(), since_year):
        for unit_id in units:
            await _summary_row(session, unit_id, period, days_after)
    await session.commit()


def summary_overdue_scanner(interval: float) -> DeadlineScanner:
    def due(now: datetime) -> Select:
        return (
            select(Summary)
            .where(
                Summary.submitted_on.is_(None), Summary.due_on < local_date(now), Summary.overdue_emitted_at.is_(None)
            )
            .order_by(Summary.due_on)
        )

    async def on_due(session: AsyncSession, summary: Summary, now: datetime) -> list[ReviewSummaryOverdue]:
        summary.overdue_emitted_at = now
        return [
            ReviewSummaryOverdue(
                summary_id=summary.id,
                unit_id=summary.unit_id,
                period=summary.period,
                due_on=summary.due_on,
                basis=["REV-9"],
            )
        ]

    return DeadlineScanner("summaries-overdue", SERVICE, due, on_due, interval=interval)


# --- REV-6 / REV-17 compliance --------------------------------------------------------------------


class ComplianceRead(BaseModel):
    unit_id: uuid.UUID
    year: int
    obligations: int
    excluded: int
    reviewed: int
    submitted: int
    pending: int
    overdue: int
    self_review_rate: float | None = Field(
        description="reviewed / obligations fallen due (excluded ones aside); REV-6 target 1.0"
    )
    meets_target: bool | None
    rev17_flag: bool = Field(description="obligations fell due and none was self-reviewed (REV-17)")
    basis: list[str] = ["REV-6", "REV-17"]


@router.get("/compliance", response_model=ComplianceRead, responses=NOT_FOUND)
async def compliance(
    unit_id: uuid.UUID, year: Annotated[int, Query(ge=1900, le=2200)], caller: AnyCaller, session: SessionDep
) -> ComplianceRead:
    """A unit's self-review rate for a year (REV-6) and the REV-17 flag."""
    await ensure_in_scope(session, caller, unit_id, "unit")
    rows = (
        await session.scalars(
            select(Obligation).where(Obligation.unit_id == unit_id, func.extract("year", Obligation.closed_on) == year)
        )
    ).all()
    now = today()
    excluded = sum(o.status == "excluded" for o in rows)
    reviewed = sum(o.status == "reviewed" for o in rows)
    overdue = sum(o.status == "pending" and now > o.due_on for o in rows)
    fell_due = sum(o.status != "excluded" and now > o.due_on for o in rows)
    # REV-6 counts the files that fell due (or were reviewed early); those still within their 30 days wait.
    rate = rules.self_review_rate(
        reviewed, sum(o.status == "reviewed" or (o.status != "excluded" and now > o.due_on) for o in rows)
    )
    return ComplianceRead(
        unit_id=unit_id,
        year=year,
        obligations=len(rows),
        excluded=excluded,
        reviewed=reviewed,
        submitted=sum(o.status == "submitted" for o in rows),
        pending=sum(o.status == "pending" for o in rows) - overdue,
        overdue=overdue,
        self_review_rate=rate,
        meets_target=None if rate is None else rate >= 1.0,
        rev17_flag=fell_due > 0 and reviewed == 0,
    )


# --- REV-10 / REV-11 inspections ------------------------------------------------------------------


class InspectionCreate(BaseModel):
    unit_id: uuid.UUID
    year: int = Field(ge=2000, le=2100)
    per_category: int = Field(default=5, ge=1, le=50)
    seed: str | None = Field(default=None, min_length=1, max_length=100, description="omit for a fresh random seed")


class InspectionRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    year: int
    per_category: int
    seed: str
    ledger: dict[str, list[str]]
    drawn: dict[str, list[str]]
    drawn_by: str
    created_at: datetime
    basis: list[str] = ["REV-10", "REV-11"]


class Verification(BaseModel):
    inspection_id: uuid.UUID
    reproducible: bool
    redrawn: dict[str, list[str]]


def _inspection_read(inspection: Inspection) -> InspectionRead:
    return InspectionRead.model_validate(inspection, from_attributes=True)


@router.post("/inspections", status_code=201, response_model=InspectionRead, responses=NOT_FOUND)
async def draw_inspection(
    body: InspectionCreate, caller: JusticeBureau, session: SessionDep, response: Response
) -> InspectionRead:
    """Draw files at random from a unit's closed, non-excluded cases of the year (REV-11).
    Every call is a new recorded inspection; nothing is silently redrawn."""
    if await session.scalar(select(unit_tree.c.unit_id).where(unit_tree.c.unit_id == body.unit_id)) is None:
        raise not_found("unit")  # an inspection of a unit that does not exist would look like one done
    # REV-12: files under reconsideration or litigation are not reviewed — nor drawn — even when
    # the remedy came after their self-review.
    excluded = select(Obligation.case_id).where(Obligation.status == "excluded").union(select(ExcludingRemedy.case_id))
    candidates = (
        await session.execute(
            select(CaseView.case_id, CaseView.category).where(
                CaseView.unit_id == body.unit_id,
                CaseView.closed_on.is_not(None),
                func.extract("year", CaseView.closed_on) == body.year,
                CaseView.case_id.not_in(excluded),
            )
        )
    ).all()
    ledger = {
        group: sorted(str(c) for c, category in candidates if category in categories)
        for group, categories in rules.INSPECTION_GROUPS.items()
    }
    seed = body.seed or secrets.token_hex(16)
    inspection = Inspection(
        id=uuid.uuid4(),
        unit_id=body.unit_id,
        year=body.year,
        per_category=body.per_category,
        seed=seed,
        ledger=ledger,
        drawn=rules.draw(ledger, body.per_category, seed),
        drawn_by=caller.sub,
    )
    session.add(inspection)
    await session.flush()
    await emit(
        session,
        ReviewInspectionDrawn(
            inspection_id=inspection.id,
            unit_id=body.unit_id,
            year=body.year,
            seed=seed,
            drawn_case_ids=[uuid.UUID(c) for ids in inspection.drawn.values() for c in ids],
            basis=["REV-10", "REV-11"],
        ),
    )
    await session.commit()
    response.headers["Location"] = f"/api/v1/inspections/{inspection.id}"
    return _inspection_read(inspection)


@router.get("/inspections", response_model=Page[InspectionRead])
async def list_inspections(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> Page[InspectionRead]:
    """Recorded inspections in the caller's scope."""
    statement = await select_in_scope(session, caller, Inspection.unit_id)
    if unit_id:
        statement = statement.where(Inspection.unit_id == unit_id)
    if year:
        statement = statement.where(Inspection.year == year)
    items, cursor = await paginate(session, statement, [Inspection.created_at, Inspection.id], page)
    return Page[InspectionRead](items=[_inspection_read(i) for i in items], next_cursor=cursor)


async def _visible_inspection(session: AsyncSession, caller: Caller, inspection_id: uuid.UUID) -> Inspection:
    inspection = await session.get(Inspection, inspection_id)
    if inspection is None:
        raise not_found("inspection")
    await ensure_in_scope(session, caller, inspection.unit_id, "inspection")
    return inspection


@router.get("/inspections/{inspection_id}", response_model=InspectionRead, responses=NOT_FOUND)
async def read_inspection(inspection_id: uuid.UUID, caller: AnyCaller, session: SessionDep) -> InspectionRead:
    """One inspection with its seed and candidate ledger."""
    return _inspection_read(await _visible_inspection(session, caller, inspection_id))


@router.get("/inspections/{inspection_id}/verification", response_model=Verification, responses=NOT_FOUND)
async def verify_inspection(inspection_id: uuid.UUID, caller: AnyCaller, session: SessionDep) -> Verification:
    """Redraw from the recorded seed and ledger: the same files must come out."""
    inspection = await _visible_inspection(session, caller, inspection_id)
    redrawn = rules.draw(inspection.ledger, inspection.per_category, inspection.seed)
    return Verification(inspection_id=inspection.id, reproducible=redrawn == inspection.drawn, redrawn=redrawn)


# --- REV-16 exemplary files -------------------------------------------------------------------------


class ExemplaryCreate(BaseModel):
    note: str | None = Field(default=None, max_length=1000)


class ExemplaryRead(BaseModel):
    review_id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    selected_by: str
    note: str | None
    selected_at: datetime
    basis: list[str] = ["REV-16"]


@router.post(
    "/reviews/{review_id}/exemplary", status_code=201, response_model=ExemplaryRead, responses={**NOT_FOUND, **CONFLICT}
)
async def select_exemplary(
    review_id: uuid.UUID, body: ExemplaryCreate, caller: Reviewer, session: SessionDep
) -> ExemplaryRead:
    """Select an excellent, completed review's file for learning exchange (REV-16)."""
    review = await session.get(Review, review_id)
    if review is None:
        raise not_found("review")
    await ensure_in_scope(session, caller, review.unit_id, "review")
    if review.status != "completed" or review.grade != "excellent":
        raise ProblemError(
            422, "review.not_exemplary", "Only a completed review graded excellent can be selected.", basis=["REV-16"]
        )
    if await session.get(ExemplaryFile, review.id):
        raise ProblemError(409, "review.already_exemplary", "This file is already selected.")
    selected = ExemplaryFile(
        review_id=review.id, case_id=review.case_id, unit_id=review.unit_id, selected_by=caller.sub, note=body.note
    )
    session.add(selected)
    await session.commit()
    return ExemplaryRead.model_validate(selected, from_attributes=True)


@router.get("/exemplary-files", response_model=Page[ExemplaryRead])
async def list_exemplary(
    caller: AnyCaller, session: SessionDep, page: PageParamsDep, unit_id: uuid.UUID | None = None
) -> Page[ExemplaryRead]:
    """Exemplary files (优秀案卷) in the caller's scope."""
    statement = await select_in_scope(session, caller, ExemplaryFile.unit_id)
    if unit_id:
        statement = statement.where(ExemplaryFile.unit_id == unit_id)
    items, cursor = await paginate(session, statement, [ExemplaryFile.selected_at, ExemplaryFile.review_id], page)
    return Page[ExemplaryRead](
        items=[ExemplaryRead.model_validate(e, from_attributes=True) for e in items], next_cursor=cursor
    )
