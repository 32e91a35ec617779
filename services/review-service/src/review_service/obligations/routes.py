"""Routes of /obligations, and the scanner emitting review.obligation_overdue once each."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.concurrency import check_if_match, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep, paginate
from enforcement_common.api.problems import ProblemError
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, not_found, select_in_scope
from enforcement_common.calendar import local_date, today
from enforcement_common.contracts.review import ReviewObligationOverdue
from enforcement_common.events import DeadlineScanner
from review_service.common import COMMON_RESPONSES, CONFLICT, NOT_FOUND, SERVICE, AnyCaller, Handler, SessionDep
from review_service.models import Obligation

router = ServiceRouter(prefix="/obligations", tags=["obligations"], responses=COMMON_RESPONSES)
Status = Literal["pending", "submitted", "reviewed", "excluded", "overdue"]


class ObligationRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    lead_handler_id: uuid.UUID
    closed_on: date
    due_on: date
    status: Status
    submitted_on: date | None
    excluded_by_remedy_id: uuid.UUID | None
    exclusion_reason: str | None
    basis: list[str]
    version: int


class Submission(BaseModel):
    submitted_on: date


def read(obligation: Obligation) -> ObligationRead:
    overdue = obligation.status == "pending" and today() > obligation.due_on
    basis = ["REV-5"] + (["REV-12"] if obligation.status == "excluded" else [])
    return ObligationRead(
        **{f: getattr(obligation, f) for f in ObligationRead.model_fields if f not in {"status", "basis"}},
        status="overdue" if overdue else obligation.status,
        basis=basis,
    )


async def visible(session: AsyncSession, caller: Caller, obligation_id: uuid.UUID) -> Obligation:
    obligation = await session.get(Obligation, obligation_id)
    if obligation is None:
        raise not_found("obligation")
    await ensure_in_scope(session, caller, obligation.unit_id, "obligation")
    return obligation


@router.get("", response_model=Page[ObligationRead])
async def list_obligations(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    status: Status | None = None,
    case_id: uuid.UUID | None = None,
) -> Page[ObligationRead]:
    """Self-review obligations in the caller's scope."""
    statement = await select_in_scope(session, caller, Obligation.unit_id)
    if unit_id:
        statement = statement.where(Obligation.unit_id == unit_id)
    if case_id:
        statement = statement.where(Obligation.case_id == case_id)
    if status == "overdue":
        statement = statement.where(Obligation.status == "pending", Obligation.due_on < today())
    elif status == "pending":
        statement = statement.where(Obligation.status == "pending", Obligation.due_on >= today())
    elif status:
        statement = statement.where(Obligation.status == status)
    items, cursor = await paginate(session, statement, [Obligation.due_on, Obligation.id], page)
    return Page[ObligationRead](items=[read(o) for o in items], next_cursor=cursor)


@router.get("/{obligation_id}", response_model=ObligationRead, responses=NOT_FOUND)
async def read_obligation(
    obligation_id: uuid.UUID, caller: AnyCaller, session: SessionDep, response: Response
) -> ObligationRead:
    """One obligation; status overdue when still pending after due_on (REV-5)."""
    obligation = await visible(session, caller, obligation_id)
    set_etag(response, obligation.version)
    return read(obligation)


@router.post("/{obligation_id}/submission", response_model=ObligationRead, responses={**NOT_FOUND, **CONFLICT})
async def submit_file(
    obligation_id: uuid.UUID,
    body: Submission,
    caller: Handler,
    session: SessionDep,
    request: Request,
    response: Response,
) -> ObligationRead:
    """The handler transfers the file to legal affairs for self-review (REV-5)."""
    obligation = await visible(session, caller, obligation_id)
    if "unit_leader" not in caller.roles and caller.officer_id != obligation.lead_handler_id:
        raise ProblemError(
            403,
            "obligation.not_the_handler",
            "The lead handler transfers the file (or the unit leader for them).",
            basis=["REV-5"],
        )
    check_if_match(request, obligation.version)
    if obligation.status != "pending":
        raise ProblemError(
            409,
            "obligation.not_pending",
            f"The obligation is {obligation.status}.",
            basis=["REV-12"] if obligation.status == "excluded" else None,
        )
    if body.submitted_on < obligation.closed_on or body.submitted_on > today():
        raise ProblemError(422, "obligation.invalid_date", "submitted_on must lie between the closure and today.")
    obligation.status, obligation.submitted_on = "submitted", body.submitted_on
    await session.commit()
    set_etag(response, obligation.version)
    return read(obligation)


def _due(now: datetime) -> Select:
    return (
        select(Obligation)
        .where(
            Obligation.status == "pending", Obligation.due_on < local_date(now), Obligation.overdue_emitted_at.is_(None)
        )
        .order_by(Obligation.due_on)
    )


async def _on_due(session: AsyncSession, obligation: Obligation, now: datetime) -> list[ReviewObligationOverdue]:
    obligation.overdue_emitted_at = now
    return [
        ReviewObligationOverdue(
            obligation_id=obligation.id,
            case_id=obligation.case_id,
            unit_id=obligation.unit_id,
            lead_handler_id=obligation.lead_handler_id,
            due_on=obligation.due_on,
            basis=["REV-5"],
        )
    ]


def overdue_scanner(interval: float) -> DeadlineScanner:
    return DeadlineScanner("obligations-overdue", SERVICE, _due, _on_due, interval=interval)
