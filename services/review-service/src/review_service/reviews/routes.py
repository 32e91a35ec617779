"""Routes of /reviews and /notifications, and /assessments (REV-8)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.concurrency import check_if_match, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep, paginate
from enforcement_common.api.problems import ProblemError
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, not_found, scope_clause, select_in_scope, visible_units
from enforcement_common.contracts.review import ReviewCompleted, ReviewFailed
from review_service import rules
from review_service.assessments import service as assessments
from review_service.common import COMMON_RESPONSES, CONFLICT, NOT_FOUND, AnyCaller, Reviewer, SessionDep, Signer, emit
from review_service.models import AnnualAssessment, CaseView, ExcludingRemedy, Notification, Obligation, Review

router = ServiceRouter(tags=["reviews"], responses=COMMON_RESPONSES)


class BasicStandards(BaseModel):
    """REV-13 基本标准: any false ⇒ score 0, unqualified."""

    subject_lawful: bool
    facts_clear: bool
    evidence_conclusive: bool
    procedure_lawful: bool
    law_correctly_applied: bool
    act_appropriate: bool


class Deduction(BaseModel):
    deduction: float = Field(ge=0, le=100)
    notes: str = Field(default="", max_length=2000)


class GeneralStandards(BaseModel):
    """REV-14 一般标准, deductions per stage."""

    filing: Deduction = Deduction(deduction=0)
    investigation: Deduction = Deduction(deduction=0)
    decision: Deduction = Deduction(deduction=0)
    service_execution: Deduction = Deduction(deduction=0)
    archiving: Deduction = Deduction(deduction=0)


class ReviewCreate(BaseModel):
    case_id: uuid.UUID
    kind: Literal["self", "hierarchical", "cross", "spot"]
    reviewer_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    basic: BasicStandards
    general: GeneralStandards = GeneralStandards()
    problems: list[str] = Field(default_factory=list, max_length=100)


class Signature(BaseModel):
    role: Literal["legal_affairs_head", "reviewed_unit_head"]


class ReviewRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    kind: str
    reviewer_ids: list[uuid.UUID]
    basic: BasicStandards
    general: GeneralStandards
    problems: list[str]
    score: int
    grade: rules.Grade
    status: Literal["awaiting_signatures", "completed"]
    signatures: dict[str, dict[str, str]]
    completed_at: datetime | None
    basis: list[str]
    version: int


class NotificationRead(BaseModel):
    id: uuid.UUID
    review_id: uuid.UUID
    officer_id: uuid.UUID
    case_id: uuid.UUID
    grade: str
    score: int
    problems: list[str]
    created_at: datetime
    basis: list[str] = ["REV-7"]


class AssessmentRead(BaseModel):
    officer_id: uuid.UUID
    year: int
    unit_id: uuid.UUID
    lead_cases: int
    unqualified_count: int
    consequence: rules.Consequence
    announced: list[rules.Consequence] = Field(
        default_factory=list,
        description="the consequences announced so far this year (review.officer_sanctioned), in order; "
        "a suspension announced stands until reinstatement even if the consequence is now manual_review",
    )
    basis: list[str] = ["REV-8"]


def read(review: Review) -> ReviewRead:
    return ReviewRead(
        **{f: getattr(review, f) for f in ReviewRead.model_fields if f not in {"basis"}},
        basis=["REV-13", "REV-14", "REV-15"] + (["REV-7"] if review.status == "completed" else []),
    )


async def _refuse_excluded(session: AsyncSession, case_id: uuid.UUID, obligation: Obligation | None) -> None:
    """REV-12 (其案卷不再评查): a case under reconsideration or litigation is not reviewed — also
    when the remedy came after its self-review, which stands, but no further review is made."""
    reason = obligation.exclusion_reason if obligation is not None and obligation.status == "excluded" else None
    if reason is None:
        remedy = await session.scalar(select(ExcludingRemedy.kind).where(ExcludingRemedy.case_id == case_id))
        reason = rules.EXCLUDING_REMEDIES.get(remedy) if remedy else None
    if reason is not None:
        raise ProblemError(
            422, "review.case_excluded", f"The case is under {reason}: it is not reviewed.", basis=["REV-12"]
        )


#: REV-7: who may sign as what.
SIGNER_ROLES = {"legal_affairs_head": "legal_affairs", "reviewed_unit_head": "unit_leader"}


async def _visible_review(session: AsyncSession, caller: Caller, review_id: uuid.UUID) -> Review:
    review = await session.get(Review, review_id)
    if review is None:
        raise not_found("review")
    await ensure_in_scope(session, caller, review.unit_id, "review")
    return review


@router.post("/reviews", status_code=201, response_model=ReviewRead, responses={**NOT_FOUND, **CONFLICT})
async def create_review(
    body: ReviewCreate, caller: Reviewer, session: SessionDep, request: Request, response: Response
) -> ReviewRead:
    """Record a review: the service scores it (REV-13, REV-14) and grades it (REV-15)."""
    case = await session.get(CaseView, body.case_id)
    if case is None or case.closed_on is None:
        raise ProblemError(404, "resource.not_found", "No closed case with this id is known here yet.")
    await ensure_in_scope(session, caller, case.unit_id, "case")
    obligation = await session.scalar(select(Obligation).where(Obligation.case_id == case.case_id).with_for_update())
    await _refuse_excluded(session, case.case_id, obligation)  # REV-12, whatever the kind of review
    if body.kind == "self":
        if obligation is not None and obligation.status == "reviewed":
            raise ProblemError(409, "review.already_reviewed", "The self-review of this case is complete.")
        open_self = await session.scalar(
            select(Review.id).where(Review.case_id == case.case_id, Review.kind == "self", Review.status != "completed")
        )
        if open_self is not None:
            raise ProblemError(
                409, "review.self_review_open", f"A self-review of this case awaits signatures: {open_self}."
            )
    basic = body.basic.model_dump()
    deductions = {stage: getattr(body.general, stage).deduction for stage in rules.GENERAL_STAGES}
    points = rules.score(basic, deductions)
    review = Review(
        id=uuid.uuid4(),
        case_id=case.case_id,
        unit_id=case.unit_id,
        kind=body.kind,
        reviewer_ids=body.reviewer_ids,
        basic=basic,
        general=body.general.model_dump(),
        problems=body.problems,
        score=points,
        grade=rules.grade(points, all(basic.values()), request.app.state.settings.grade_bands),
        status="awaiting_signatures",
        signatures={},
    )
    session.add(review)
    await session.commit()
    set_etag(response, review.version)
    response.headers["Location"] = f"/api/v1/reviews/{review.id}"
    return read(review)


@router.get("/reviews", response_model=Page[ReviewRead])
async def list_reviews(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    case_id: uuid.UUID | None = None,
    grade: rules.Grade | None = None,
) -> Page[ReviewRead]:
    """Reviews in the caller's scope."""
    statement = await select_in_scope(session, caller, Review.unit_id)
    if case_id:
        statement = statement.where(Review.case_id == case_id)
    if grade:
        statement = statement.where(Review.grade == grade)
    items, cursor = await paginate(session, statement, [Review.created_at, Review.id], page)
    return Page[ReviewRead](items=[read(r) for r in items], next_cursor=cursor)


@router.get("/reviews/{review_id}", response_model=ReviewRead, responses=NOT_FOUND)
async def read_review(review_id: uuid.UUID, caller: AnyCaller, session: SessionDep, response: Response) -> ReviewRead:
    """One review."""
    review = await _visible_review(session, caller, review_id)
    set_etag(response, review.version)
    return read(review)


@router.post("/reviews/{review_id}/signatures", response_model=ReviewRead, responses={**NOT_FOUND, **CONFLICT})
async def sign_review(
    review_id: uuid.UUID, body: Signature, caller: Signer, session: SessionDep, request: Request, response: Response
) -> ReviewRead:
    """Sign as legal-affairs head or reviewed unit head; with both, the review completes (REV-7)."""
    review = await session.scalar(select(Review).where(Review.id == review_id).with_for_update())
    if review is None:
        raise not_found("review")
    await ensure_in_scope(session, caller, review.unit_id, "review")
    check_if_match(request, review.version)
    if review.status == "completed":
        raise ProblemError(409, "review.already_completed", "The review is complete.")
    if SIGNER_ROLES[body.role] not in caller.roles:
        raise ProblemError(
            403, "auth.forbidden", f"{body.role} signs with the role {SIGNER_ROLES[body.role]}.", basis=["REV-7"]
        )
    if body.role == "reviewed_unit_head" and caller.unit_id != review.unit_id:
        # 被评查执法机构负责人: the head of the reviewed unit itself, not of a unit above it.
        raise ProblemError(
            403,
            "review.not_the_reviewed_unit",
            "The reviewed unit's own head signs as reviewed_unit_head.",
            basis=["REV-7"],
        )
    if body.role in review.signatures:
        raise ProblemError(409, "review.already_signed", f"{body.role} has signed already.")
    if any(signature["by"] == caller.sub for signature in review.signatures.values()):
        raise ProblemError(409, "review.same_signer", "The two signatures must come from two people.", basis=["REV-7"])
    obligation = await session.scalar(select(Obligation).where(Obligation.case_id == review.case_id))
    await _refuse_excluded(session, review.case_id, obligation)
    review.signatures = {
        **review.signatures,
        body.role: {"by": caller.sub, "name": caller.name, "at": datetime.now(UTC).isoformat()},
    }
    if len(review.signatures) == 2:
        await _complete(session, review, request.app.state.settings.above_ten_lead_cases)
    await session.commit()
    set_etag(response, review.version)
    return read(review)


async def _complete(session: AsyncSession, review: Review, above_ten: str) -> None:
    """Both signatures: complete, notify the lead handler in writing, emit, and count a failure (REV-7, REV-8)."""
    case = await session.get(CaseView, review.case_id)
    review.status, review.completed_at = "completed", datetime.now(UTC)
    session.add(
        Notification(
            id=uuid.uuid4(),
            review_id=review.id,
            officer_id=case.lead_handler_id,
            case_id=case.case_id,
            unit_id=case.unit_id,
            grade=review.grade,
            score=review.score,
            problems=review.problems,
        )
    )
    if review.kind == "self":
        obligation = await session.scalar(select(Obligation).where(Obligation.case_id == case.case_id))
        if obligation is not None and obligation.status in ("pending", "submitted"):
            obligation.status = "reviewed"
    fields = {
        "review_id": review.id,
        "case_id": case.case_id,
        "unit_id": case.unit_id,
        "kind": review.kind,
        "grade": review.grade,
        "score": review.score,
        "lead_handler_id": case.lead_handler_id,
        "handler_ids": case.handler_ids,
    }
    await session.flush()
    await emit(session, ReviewCompleted(**fields))
    if review.grade == "unqualified":
        await emit(session, ReviewFailed(**fields))
        if review.kind == "self":  # REV-8 counts the unit's own review of the file
            await assessments.add_unqualified(
                session, case.lead_handler_id, case.unit_id, case.closed_on.year, case.case_id, above_ten
            )


@router.get("/notifications", response_model=Page[NotificationRead])
async def list_notifications(
    caller: AnyCaller, session: SessionDep, page: PageParamsDep, officer_id: uuid.UUID | None = None
) -> Page[NotificationRead]:
    """Written result notices to lead handlers (REV-7)."""
    statement = await select_in_scope(session, caller, Notification.unit_id)
    if officer_id:
        statement = statement.where(Notification.officer_id == officer_id)
    items, cursor = await paginate(session, statement, [Notification.created_at, Notification.id], page)
    return Page[NotificationRead](
        items=[NotificationRead.model_validate(n, from_attributes=True) for n in items], next_cursor=cursor
    )


@router.get("/assessments", response_model=Page[AssessmentRead])
async def list_assessments(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    officer_id: uuid.UUID | None = None,
    unit_id: uuid.UUID | None = None,
) -> Page[AssessmentRead]:
    """Per lead handler and year: lead cases, unqualified files and the REV-8 consequence."""
    statement = select(AnnualAssessment).where(
        scope_clause(AnnualAssessment.unit_id, await visible_units(session, caller))
    )
    for column, value in (
        (AnnualAssessment.year, year),
        (AnnualAssessment.officer_id, officer_id),
        (AnnualAssessment.unit_id, unit_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    items, cursor = await paginate(session, statement, [AnnualAssessment.year, AnnualAssessment.officer_id], page)
    return Page[AssessmentRead](
        items=[
            AssessmentRead(
                officer_id=a.officer_id,
                year=a.year,
                unit_id=a.unit_id,
                lead_cases=len(a.lead_case_ids),
                unqualified_count=len(a.unqualified_case_ids),
                consequence=a.consequence,
                announced=list(a.sanctioned_levels),
            )
            for a in items
        ],
        next_cursor=cursor,
    )
