"""Self-review obligations (自查义务, REV-5): opened by a case's closure, excluded under a
reconsideration or litigation filed before its self-review completed (REV-12), read, listed,
and the file transferred by its handler (REV-5: late transfers stay visible).

``open_for`` and ``exclude_for`` are called by ``consumers.case_events`` in its transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.concurrency import check_if_match
from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, list_in_scope
from enforcement_common.calendar import local_date, today
from enforcement_common.contracts.case import CaseClosed, CaseLegalRemedyRecorded
from enforcement_common.contracts.review import ReviewObligationCreated, ReviewObligationExcluded
from enforcement_common.policies import resolve
from review_service import errors, rules
from review_service.events import emit
from review_service.models import ExcludingRemedy, Obligation, Review
from review_service.obligations.schemas import ObligationRead, ObligationStatus, Submission, TransferDeadline
from review_service.policy import REVIEW_POLICIES
from review_service.reviews import service as reviews


def read(obligation: Obligation) -> ObligationRead:
    now = today()
    overdue = obligation.status == "pending" and now > obligation.due_on
    late = obligation.status == "submitted" and obligation.days_late is not None
    basis = ["REV-5"] + (["REV-12"] if obligation.status == "excluded" else [])
    status, days_late = rules.transfer_deadline(
        obligation.due_on, obligation.submitted_on, now, excluded=obligation.status == "excluded"
    )
    return ObligationRead(
        **{f: getattr(obligation, f) for f in ObligationRead.model_fields if f not in {"status", "basis", "deadline"}},
        status="overdue" if overdue else "submitted_late" if late else obligation.status,
        deadline=TransferDeadline(
            due_on=obligation.due_on,
            status=status,
            met_on=obligation.submitted_on,
            days_late=days_late,
            policy_id=obligation.policy_id,
        ),
        basis=basis,
    )


async def get(session: AsyncSession, caller: Caller, obligation_id: uuid.UUID) -> Obligation:
    return await get_in_scope(session, caller, Obligation, obligation_id, "obligation")


async def list_page(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    unit_id: uuid.UUID | None,
    status: ObligationStatus | None,
    case_id: uuid.UUID | None,
) -> Page[ObligationRead]:
    """Overdue is a pending obligation past its due date (REV-5), so both filter on the date."""
    now = today()
    query = (
        (await list_in_scope(session, caller, Obligation.unit_id))
        .equal(Obligation.unit_id, unit_id)
        .equal(Obligation.case_id, case_id)
    )
    if status == "overdue":
        query = query.where(Obligation.status == "pending", Obligation.due_on < now)
    elif status == "pending":
        query = query.where(Obligation.status == "pending", Obligation.due_on >= now)
    elif status == "submitted_late":
        query = query.where(Obligation.status == "submitted", Obligation.days_late.is_not(None))
    elif status == "submitted":
        query = query.where(Obligation.status == "submitted", Obligation.days_late.is_(None))
    else:
        query = query.equal(Obligation.status, status)
    items, cursor = await query.page(session, [Obligation.due_on, Obligation.id], page)
    return Page[ObligationRead](items=[read(o) for o in items], next_cursor=cursor)


async def submit(
    session: AsyncSession, caller: Caller, obligation_id: uuid.UUID, body: Submission, if_match: str | None
) -> ObligationRead:
    """The lead handler (or the unit leader for them) transfers the file to legal affairs (REV-5).
    A transfer after due_on is recorded ``submitted_late`` with its days late, which stay."""
    obligation = await get_in_scope(session, caller, Obligation, obligation_id, "obligation", lock=True)
    if "unit_leader" not in caller.roles and caller.officer_id != obligation.lead_handler_id:
        raise errors.OBLIGATION_NOT_THE_HANDLER(
            "The lead handler transfers the file (or the unit leader for them).",
            basis=["REV-5"],
        )
    check_if_match(if_match, obligation.version)
    if obligation.status != "pending":
        raise errors.OBLIGATION_NOT_PENDING(
            f"The obligation is {obligation.status}.",
            basis=["REV-12"] if obligation.status == "excluded" else None,
        )
    recorded = obligation.overdue_emitted_at
    problem = rules.transfer_date_problem(
        body.submitted_on, obligation.closed_on, today(), local_date(recorded) if recorded else None
    )
    if problem is not None:
        raise errors.OBLIGATION_INVALID_DATE(
            problem,
            basis=["REV-5"],
            errors=[{"loc": ["body", "submitted_on"], "msg": problem, "type": "value_error.date"}],
        )
    obligation.status, obligation.submitted_on = "submitted", body.submitted_on
    obligation.days_late = rules.transfer_days_late(body.submitted_on, obligation.due_on)
    await session.flush()
    return read(obligation)


async def open_for(session: AsyncSession, case: CaseClosed) -> None:
    """REV-5: a closed case's file is due for self-review within 30 days (the policy in force
    for its unit on the closing date); once per case."""
    if await session.scalar(select(Obligation.id).where(Obligation.case_id == case.case_id)):
        return
    policy = await resolve(session, REVIEW_POLICIES, case.unit_id, case.closed_on)  # in force on the closure
    obligation = Obligation(
        id=uuid.uuid4(),
        case_id=case.case_id,
        unit_id=case.unit_id,
        lead_handler_id=case.lead_handler_id,
        closed_on=case.closed_on,
        due_on=rules.obligation_due(case.closed_on, policy.values.self_review_days),
        status="pending",
        policy_id=policy.policy_id,
    )
    session.add(obligation)
    await session.flush()
    await emit(
        session,
        ReviewObligationCreated(
            obligation_id=obligation.id,
            case_id=case.case_id,
            unit_id=case.unit_id,
            lead_handler_id=case.lead_handler_id,
            closed_on=case.closed_on,
            due_on=obligation.due_on,
            basis=["REV-5"],
        ),
    )
    earlier = await session.get(ExcludingRemedy, case.case_id)
    if earlier is not None:  # a reconsideration or litigation filed before the closure (REV-12)
        await _exclude(session, obligation, earlier.remedy_id, earlier.kind)


async def exclude_for(session: AsyncSession, remedy: CaseLegalRemedyRecorded) -> None:
    """REV-12, judged by when the remedy was FILED, not when it was recorded here: under
    reconsideration or litigation the file is not reviewed. A self-review that completed on or
    after the filing date is voided (with the handler's REV-8 tally recomputed) and the
    obligation excluded; one that completed before the filing stands."""
    if not rules.excludes_review(remedy.kind):
        return
    # Remembered even before the case closes (its obligation is then born excluded), with the
    # earliest filing date seen.
    remembered = insert(ExcludingRemedy).values(
        case_id=remedy.case_id, remedy_id=remedy.remedy_id, kind=remedy.kind, filed_on=remedy.filed_on
    )
    await session.execute(
        remembered.on_conflict_do_update(
            index_elements=[ExcludingRemedy.case_id],
            set_={"remedy_id": remedy.remedy_id, "kind": remedy.kind, "filed_on": remedy.filed_on},
            where=or_(ExcludingRemedy.filed_on.is_(None), ExcludingRemedy.filed_on > remedy.filed_on),
        )
    )
    # The file's reviews first, then its obligation — the order of a signature completing a review
    # (review, then obligation): a completion running now finishes first and is then judged here.
    await session.execute(select(Review.id).where(Review.case_id == remedy.case_id).with_for_update())
    obligation = await session.scalar(select(Obligation).where(Obligation.case_id == remedy.case_id).with_for_update())
    if obligation is None or obligation.status == "excluded":
        return
    await reviews.void_for_remedy(session, remedy)
    standing = await session.scalar(
        select(Review.id).where(Review.case_id == remedy.case_id, Review.kind == "self", Review.status == "completed")
    )
    if standing is not None:
        return  # completed before the remedy was filed: the self-review stands (REV-12)
    await _exclude(session, obligation, remedy.remedy_id, remedy.kind)


async def _exclude(session: AsyncSession, obligation: Obligation, remedy_id: uuid.UUID, kind: str) -> None:
    obligation.status = "excluded"
    obligation.excluded_by_remedy_id = remedy_id
    obligation.exclusion_reason = rules.EXCLUDING_REMEDIES[kind]
    await session.flush()
    await emit(
        session,
        ReviewObligationExcluded(
            obligation_id=obligation.id,
            case_id=obligation.case_id,
            unit_id=obligation.unit_id,
            lead_handler_id=obligation.lead_handler_id,
            remedy_id=remedy_id,
            reason=obligation.exclusion_reason,
            basis=["REV-12"],
        ),
    )
