"""Routes of /stats/* (STAT-5a, STAT-5b, STAT-5c, STAT-7, STAT-8; reviews, tolerance, accountability).

Every response carries ``as_of`` (the event positions it reflects and the lag); a client may
ask for ``min_positions`` (``topic:partition=offset,…``) and wait up to ``wait_ms`` for them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query

from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.calendar import today
from stats_service import rules
from stats_service.deps import BEHIND, AnyCaller
from stats_service.stats import service
from stats_service.stats.schemas import (
    AccountabilityStats,
    AsOf,
    CaseStats,
    CertificateStats,
    ReviewStats,
    ToleranceStats,
    TrainingStats,
)

router = ServiceRouter(tags=["statistics"], responses={**COMMON_RESPONSES, **NOT_FOUND, **BEHIND})

Period = Annotated[
    str | None, Query(pattern=rules.PERIOD_PATTERN, description="2026, 2026Q1, 2026H1 or 2026-03 (instead of from/to)")
]
From = Annotated[date | None, Query(alias="from")]
MinPositions = Annotated[
    str | None, Query(max_length=4000, description="topic:partition=offset,… the figures must reflect")
]
WaitMs = Annotated[int, Query(ge=0, le=service.MAX_WAIT_MS, description="wait this long for min_positions")]


@dataclass(frozen=True)
class Over:
    """The unit (its subtree rolled up), the period and the positions a statistics query asks for."""

    unit_id: uuid.UUID
    start: date
    end: date
    min_positions: str | None
    wait_ms: int


async def over(
    unit_id: uuid.UUID,
    period: Period = None,
    from_: From = None,
    to: date | None = None,
    min_positions: MinPositions = None,
    wait_ms: WaitMs = 0,
) -> Over:
    start, end = service.resolve_period(period, from_, to)
    return Over(unit_id, start, end, min_positions, wait_ms)


OverDep = Annotated[Over, Depends(over)]


async def _read(session, caller, q: Over) -> tuple[int, AsOf]:
    return await service.reading(session, caller, q.unit_id, q.min_positions, q.wait_ms)


@router.get("/stats/cases", response_model=CaseStats)
async def case_stats(
    q: OverDep,
    caller: AnyCaller,
    session: SessionDep,
    group_by: Literal["category", "unit", "day", "month", "quarter", "half", "year"] = "category",
) -> CaseStats:
    """Cases filed, decided, closed, hearings, fines and confiscations, penalty decisions by heaviest kind (STAT-5c, STAT-7)."""
    gen, as_of = await _read(session, caller, q)
    figures = await service.case_figures(session, gen, q.unit_id, q.start, q.end, group_by)
    return CaseStats(**figures, as_of=as_of)


@router.get("/stats/training", response_model=TrainingStats)
async def training_stats(q: OverDep, caller: AnyCaller, session: SessionDep) -> TrainingStats:
    """Officers trained, hours, courses held and attendees (STAT-5a)."""
    gen, as_of = await _read(session, caller, q)
    return TrainingStats(**await service.training_figures(session, gen, q.unit_id, q.start, q.end), as_of=as_of)


@router.get("/stats/certificates", response_model=CertificateStats)
async def certificate_stats(
    unit_id: uuid.UUID,
    caller: AnyCaller,
    session: SessionDep,
    on: date | None = None,
    group_by: Literal["unit", "region"] = "unit",
    min_positions: MinPositions = None,
    wait_ms: WaitMs = 0,
) -> CertificateStats:
    """Certificate holders and 持证率 per unit or area, today or on a past date (STAT-5b, STAT-8)."""
    gen, as_of = await service.reading(session, caller, unit_id, min_positions, wait_ms)
    figures = await service.certificate_figures(session, gen, unit_id, on or today(), group_by)
    return CertificateStats(**figures, as_of=as_of)


@router.get("/stats/reviews", response_model=ReviewStats)
async def review_stats(q: OverDep, caller: AnyCaller, session: SessionDep) -> ReviewStats:
    """Self-review obligations and rate, reviews by grade and kind (REV-6, REV-12, REV-15)."""
    gen, as_of = await _read(session, caller, q)
    return ReviewStats(**await service.review_figures(session, gen, q.unit_id, q.start, q.end), as_of=as_of)


@router.get("/stats/tolerance", response_model=ToleranceStats)
async def tolerance_stats(q: OverDep, caller: AnyCaller, session: SessionDep) -> ToleranceStats:
    """Tolerance decisions by outcome and the officers relieved (TOL-14, TOL-15)."""
    gen, as_of = await _read(session, caller, q)
    return ToleranceStats(**await service.tolerance_figures(session, gen, q.unit_id, q.start, q.end), as_of=as_of)


@router.get("/stats/accountability", response_model=AccountabilityStats)
async def accountability_stats(q: OverDep, caller: AnyCaller, session: SessionDep) -> AccountabilityStats:
    """Error cases by source, enforcement errors (tolerance honoured, TOL-15) and sanctions (ERR-5, ERR-11)."""
    gen, as_of = await _read(session, caller, q)
    figures = await service.accountability_figures(session, gen, q.unit_id, q.start, q.end)
    return AccountabilityStats(**figures, as_of=as_of)
