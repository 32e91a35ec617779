"""Self-review obligations (自查义务, REV-5): opened by a case's closure, excluded under a
reconsideration or litigation (REV-12), read, listed, and the file transferred by its handler.

``open_for`` and ``exclude_for`` are called by ``consumers.case_events`` in its transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.concurrency import check_if_match
from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, list_in_scope
from enforcement_common.calendar import today
from enforcement_common.contracts.case import CaseClosed, CaseLegalRemedyRecorded
from enforcement_common.contracts.review import ReviewObligationCreated, ReviewObligationExcluded
from enforcement_common.policies import resolve
from review_service import errors, rules
from review_service.events import emit
from review_service.models import ExcludingRemedy, Obligation, Review
from review_service.obligations.schemas import ObligationRead, ObligationStatus, Submission
from review_service.policy import REVIEW_POLICIES


def read(obligation: Obligation) -> ObligationRead:
    overdue = obligation.status == "pending" and today() > obligation.due_on
    basis = ["REV-5"] + (["REV-12"] if obligation.status == "excluded" else [])
    return ObligationRead(
        **{f: getattr(obligation, f) for f in ObligationRead.model_fields if f not in {"status", "basis"}},
        status="overdue" if overdue else obligation.status,
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
    else:
        query = query.equal(Obligation.status, status)
    items, cursor = await query.page(session, [Obligation.due_on, Obligation.id], page)
    return Page[ObligationRead](items=[read(o) for o in items], next_cursor=cursor)


async def submit(
    session: AsyncSession, caller: Caller, obligation_id: uuid.UUID, body: Submission, if_match: str | None
) -> ObligationRead:
    """The lead handler (or the unit leader for them) transfers the file to legal affairs (REV-5)."""
    obligation = await get(session, caller, obligation_id)
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
    if body.submitted_on < obligation.closed_on or body.submitted_on > today():
        raise errors.OBLIGATION_INVALID_DATE("submitted_on must lie between the closure and today.")
    obligation.status, obligation.submitted_on = "submitted", body.submitted_on
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
    """REV-12: under reconsideration or litigation the file is not reviewed — the obligation is
    excluded unless its self-review completed already (which stands)."""
    if not rules.excludes_review(remedy.kind):
        return
    # Remembered even before the case closes: its obligation is then born excluded.
    await session.execute(
        insert(ExcludingRemedy)
        .values(case_id=remedy.case_id, remedy_id=remedy.remedy_id, kind=remedy.kind)
        .on_conflict_do_nothing()
    )
    obligation = await session.scalar(select(Obligation).where(Obligation.case_id == remedy.case_id).with_for_update())
    if obligation is None or obligation.status in ("excluded", "reviewed"):
        return
    completed = await session.scalar(
        select(Review.id).where(Review.case_id == remedy.case_id, Review.kind == "self", Review.status == "completed")
    )
    if completed is not None:
        return  # a remedy after the review completed does not undo it (REV-12)
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
