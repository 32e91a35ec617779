"""Reviews (评查): recorded and scored (REV-13, REV-14), graded (REV-15), signed and, with
both signatures, completed — the lead handler notified in writing (REV-7), the result
emitted and an unqualified self-review counted for the year (REV-8). A self-review completes
only once the file was transferred (REV-5); an unqualified file lists its problems (REV-7);
the reviewers are officers in the caller's scope. REV-12 refuses a review of a file under
reconsideration or litigation, and voids one completed on or after the remedy's filing date."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.concurrency import check_if_match
from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.api.problems import ProblemError
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, get_in_scope, list_in_scope, not_found
from enforcement_common.calendar import local_date, today
from enforcement_common.contracts.case import CaseLegalRemedyRecorded
from enforcement_common.contracts.review import ReviewCompleted, ReviewFailed, ReviewVoided
from enforcement_common.directory import ensure_officers_in_scope
from enforcement_common.policies import resolve
from review_service import errors, rules
from review_service.assessments import service as assessments
from review_service.config import Settings
from review_service.events import emit
from review_service.models import CaseView, ExcludingRemedy, Notification, Obligation, Review
from review_service.policy import REVIEW_POLICIES
from review_service.reviews.schemas import NotificationRead, ReviewCreate, ReviewRead, Signature

#: REV-7: who may sign as what.
SIGNER_ROLES = {"legal_affairs_head": "legal_affairs", "reviewed_unit_head": "unit_leader"}


def read(review: Review) -> ReviewRead:
    basis = ["REV-13", "REV-14", "REV-15"]
    if review.completed_at is not None:
        basis.append("REV-7")
    if review.voided is not None:
        basis.append("REV-12")
    return ReviewRead(**{f: getattr(review, f) for f in ReviewRead.model_fields if f not in {"basis"}}, basis=basis)


async def get(session: AsyncSession, caller: Caller, review_id: uuid.UUID, *, lock: bool = False) -> Review:
    return await get_in_scope(session, caller, Review, review_id, "review", lock=lock)


async def list_page(
    session: AsyncSession, caller: Caller, page: PageParams, *, case_id: uuid.UUID | None, grade: str | None
) -> Page[ReviewRead]:
    query = (
        (await list_in_scope(session, caller, Review.unit_id)).equal(Review.case_id, case_id).equal(Review.grade, grade)
    )
    items, cursor = await query.page(session, [Review.created_at, Review.id], page)
    return Page[ReviewRead](items=[read(r) for r in items], next_cursor=cursor)


async def refuse_excluded(session: AsyncSession, case_id: uuid.UUID, obligation: Obligation | None) -> None:
    """REV-12 (其案卷不再评查): a case under reconsideration or litigation is not reviewed — also
    when the remedy came after its self-review, which stands, but no further review is made."""
    reason = obligation.exclusion_reason if obligation is not None and obligation.status == "excluded" else None
    if reason is None:
        remedy = await session.scalar(select(ExcludingRemedy.kind).where(ExcludingRemedy.case_id == case_id))
        reason = rules.EXCLUDING_REMEDIES.get(remedy) if remedy else None
    if reason is not None:
        raise errors.CASE_EXCLUDED(f"The case is under {reason}: it is not reviewed.", basis=["REV-12"])


async def _refuse_second_self_review(session: AsyncSession, case_id: uuid.UUID, obligation: Obligation | None) -> None:
    if obligation is not None and obligation.status == "reviewed":
        raise errors.ALREADY_REVIEWED("The self-review of this case is complete.")
    open_self = await session.scalar(
        select(Review.id).where(Review.case_id == case_id, Review.kind == "self", Review.status != "completed")
    )
    if open_self is not None:
        raise errors.SELF_REVIEW_OPEN(f"A self-review of this case awaits signatures: {open_self}.")


async def record(session: AsyncSession, settings: Settings, caller: Caller, body: ReviewCreate) -> Review:
    """Record a review of a closed case's file: scored (REV-13, REV-14) and graded (REV-15)."""
    case = await session.get(CaseView, body.case_id)
    if case is None:
        raise not_found("case")  # the same answer as out of scope: existence is not revealed
    await ensure_in_scope(session, caller, case.unit_id, "case")
    if case.closed_on is None:  # in scope: the caller may learn that it is not closed yet
        raise ProblemError(404, "resource.not_found", "No closed case with this id is known here yet.")
    await ensure_officers_in_scope(session, caller, body.reviewer_ids, "reviewer")  # 评查人员, 404 either way
    obligation = await session.scalar(select(Obligation).where(Obligation.case_id == case.case_id).with_for_update())
    await refuse_excluded(session, case.case_id, obligation)  # REV-12, whatever the kind of review
    if body.kind == "self":
        await _refuse_second_self_review(session, case.case_id, obligation)
    basic = body.basic.model_dump()
    deductions = {stage: getattr(body.general, stage).deduction for stage in rules.GENERAL_STAGES}
    points = rules.score(basic, deductions)
    policy = await resolve(session, REVIEW_POLICIES, case.unit_id, today())  # REV-15 bands in force today
    graded = rules.grade(points, all(basic.values()), policy.values.grade_bands)
    if graded == "unqualified" and not rules.problems_listed(body.problems):
        raise errors.PROBLEMS_REQUIRED(
            "The file grades unqualified: list at least one problem found (列出发现的问题).",
            basis=["REV-7", "REV-15"],
            errors=[{"loc": ["body", "problems"], "msg": "at least one problem", "type": "value_error"}],
        )
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
        grade=graded,
        policy_id=policy.policy_id,
        status="awaiting_signatures",
        signatures={},
    )
    session.add(review)
    await session.flush()
    return review


def _check_signer(caller: Caller, review: Review, role: str) -> None:
    """REV-7: each head signs with their own role, the reviewed unit's head being that unit's
    own, and the two signatures come from two people."""
    if SIGNER_ROLES[role] not in caller.roles:
        raise ProblemError(403, "auth.forbidden", f"{role} signs with the role {SIGNER_ROLES[role]}.", basis=["REV-7"])
    if role == "reviewed_unit_head" and caller.unit_id != review.unit_id:
        # 被评查执法机构负责人: the head of the reviewed unit itself, not of a unit above it.
        raise errors.NOT_THE_REVIEWED_UNIT(
            "The reviewed unit's own head signs as reviewed_unit_head.",
            basis=["REV-7"],
        )
    if role in review.signatures:
        raise errors.ALREADY_SIGNED(f"{role} has signed already.")
    if any(signature["by"] == caller.sub for signature in review.signatures.values()):
        raise errors.SAME_SIGNER("The two signatures must come from two people.", basis=["REV-7"])


async def sign(
    session: AsyncSession,
    settings: Settings,
    caller: Caller,
    review_id: uuid.UUID,
    body: Signature,
    if_match: str | None,
) -> Review:
    """Sign as legal-affairs head or reviewed unit head; the second signature completes the review."""
    review = await get(session, caller, review_id, lock=True)
    check_if_match(if_match, review.version)
    if review.status == "completed":
        raise errors.ALREADY_COMPLETED("The review is complete.")
    _check_signer(caller, review, body.role)
    obligation = await session.scalar(select(Obligation).where(Obligation.case_id == review.case_id))
    await refuse_excluded(session, review.case_id, obligation)
    if (
        review.kind == "self"
        and len(review.signatures) == 1
        and (obligation is None or obligation.submitted_on is None)
    ):
        # REV-5: the handler transfers the file to legal affairs; without it the self-review cannot complete.
        raise errors.FILE_NOT_TRANSFERRED(
            "The file has not been transferred (POST /obligations/{id}/submission): the self-review cannot complete.",
            basis=["REV-5"],
        )
    review.signatures = {
        **review.signatures,
        body.role: {"by": caller.sub, "name": caller.name, "at": datetime.now(UTC).isoformat()},
    }
    if len(review.signatures) == 2:
        await complete(session, review)
    await session.flush()
    return review


async def complete(session: AsyncSession, review: Review) -> None:
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
            policy = await resolve(session, REVIEW_POLICIES, case.unit_id, case.closed_on)
            await assessments.add_unqualified(
                session, case.lead_handler_id, case.unit_id, case.closed_on.year, case.case_id, policy
            )


async def void_for_remedy(session: AsyncSession, remedy: CaseLegalRemedyRecorded) -> list[Review]:
    """REV-12, judged by the remedy's filing date: every completed review of the file that
    completed on or after the day the reconsideration or litigation was filed is voided — with
    reason, basis and policy — and an unqualified self-review leaves the handler's REV-8 tally
    (levels no longer reached are withdrawn). Reviews completed before the filing stand."""
    reviews = (
        await session.scalars(
            select(Review)
            .where(Review.case_id == remedy.case_id, Review.status == "completed")
            .order_by(Review.completed_at)
            .with_for_update()
        )
    ).all()
    voided = [r for r in reviews if rules.remedy_voids_completed_review(remedy.filed_on, local_date(r.completed_at))]
    if not voided:
        return []
    case = await session.get(CaseView, remedy.case_id)
    # REV-12 as in force for the unit on the day the remedy was filed.
    policy = await resolve(session, REVIEW_POLICIES, case.unit_id, remedy.filed_on)
    reason = (
        f"案件于 {remedy.filed_on.isoformat()} 提起{rules.EXCLUDING_REMEDIES[remedy.kind]}，"
        "早于评查完成，案卷不再评查 (REV-12)"
    )
    for review in voided:
        review.status = "voided"
        review.voided = {
            "on": today().isoformat(),
            "reason": reason,
            "remedy_id": str(remedy.remedy_id),
            "remedy_filed_on": remedy.filed_on.isoformat(),
            "basis": ["REV-12"],
            "policy_id": str(policy.policy_id),
        }
        await emit(
            session,
            ReviewVoided(
                review_id=review.id,
                case_id=review.case_id,
                unit_id=review.unit_id,
                kind=review.kind,
                grade=review.grade,
                lead_handler_id=case.lead_handler_id,
                reason=reason,
                remedy_id=remedy.remedy_id,
                remedy_filed_on=remedy.filed_on,
                basis=["REV-12"],
                policy_id=policy.policy_id,
            ),
        )
        if review.kind == "self" and review.grade == "unqualified":
            year_policy = await resolve(session, REVIEW_POLICIES, case.unit_id, case.closed_on)
            await assessments.remove_unqualified(
                session, case.lead_handler_id, case.closed_on.year, case.case_id, reason, year_policy
            )
    await session.flush()
    return list(voided)


async def voidings(session: AsyncSession, review_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict]:
    """The voiding (REV-12) of each of these reviews that was voided."""
    if not review_ids:
        return {}
    rows = await session.execute(
        select(Review.id, Review.voided).where(Review.id.in_(review_ids), Review.voided.is_not(None))
    )
    return {review_id: voided for review_id, voided in rows}


async def list_notifications(
    session: AsyncSession, caller: Caller, page: PageParams, *, officer_id: uuid.UUID | None
) -> Page[NotificationRead]:
    """Written result notices to lead handlers (REV-7)."""
    query = (await list_in_scope(session, caller, Notification.unit_id)).equal(Notification.officer_id, officer_id)
    items, cursor = await query.page(session, [Notification.created_at, Notification.id], page)
    voided = await voidings(session, [n.review_id for n in items])
    return Page[NotificationRead](
        items=[
            NotificationRead.model_validate(n, from_attributes=True).model_copy(
                update={"voided": voided.get(n.review_id)}
            )
            for n in items
        ],
        next_cursor=cursor,
    )
