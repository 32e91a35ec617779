"""Corrections (纠错, TOL-16, TOL-17): started with an exemption decision in its transaction;
progress reports, completion with cause analysis, extension requests approved or refused
with reason by the deciding body — the original due date kept, the whole history kept."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from enforcement_common.api.concurrency import check_if_match
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, not_found
from enforcement_common.calendar import today
from enforcement_common.contracts.tolerance import (
    ToleranceCorrectionCompleted,
    ToleranceCorrectionExtended,
    ToleranceCorrectionStarted,
)
from enforcement_common.policies import version_values
from tolerance_service import errors
from tolerance_service.applications.schemas import CorrectionOrder, Deadline
from tolerance_service.corrections.schemas import (
    CompletionCreate,
    CorrectionRead,
    ExtensionDecisionCreate,
    ExtensionRequestCreate,
    ExtensionRequestRead,
    ProgressCreate,
    ProgressRead,
)
from tolerance_service.events import emit
from tolerance_service.models import Application, Correction, CorrectionReport, ExtensionRequest
from tolerance_service.policy import TOLERANCE_POLICIES, ToleranceValues


async def start(
    session: AsyncSession, application: Application, order: CorrectionOrder, values: ToleranceValues
) -> Correction:
    """TOL-16: the correction order of an exemption decision, in the decision's transaction."""
    assert application.decided_on is not None
    due_on = order.due_on or application.decided_on + timedelta(days=values.correction_default_days)
    if due_on <= application.decided_on:
        raise errors.INVALID_DATE("The correction's due_on must be after the decision.")
    correction = Correction(
        id=uuid.uuid4(),
        application_id=application.id,
        unit_id=application.unit_id,
        officer_ids=application.officer_ids,
        reason=order.reason,
        items=list(order.items),
        requirements=order.requirements,
        started_on=application.decided_on,
        original_due_on=due_on,
        due_on=due_on,
        status="open",
        policy_id=application.policy_id,
    )
    session.add(correction)
    await session.flush()
    await emit(
        session,
        ToleranceCorrectionStarted(
            correction_id=correction.id,
            application_id=application.id,
            unit_id=application.unit_id,
            due_on=due_on,
            officer_ids=correction.officer_ids,
            policy_id=application.policy_id,
        ),
    )
    return correction


async def get(session: AsyncSession, caller: Caller, correction_id: uuid.UUID, *, lock: bool = False) -> Correction:
    return await get_in_scope(session, caller, Correction, correction_id, "correction", lock=lock)


def _deadline(correction: Correction) -> Deadline:
    return Deadline.of("correction", correction.due_on, correction.completed_on, "TOL-17", correction.policy_id)


def _request_read(request: ExtensionRequest) -> ExtensionRequestRead:
    return ExtensionRequestRead.model_validate(request, from_attributes=True)


async def read(session: AsyncSession, correction: Correction) -> CorrectionRead:
    reports = (
        await session.scalars(
            select(CorrectionReport)
            .where(CorrectionReport.correction_id == correction.id)
            .order_by(CorrectionReport.reported_on, CorrectionReport.created_at)
        )
    ).all()
    requests = (
        await session.scalars(
            select(ExtensionRequest)
            .where(ExtensionRequest.correction_id == correction.id)
            .order_by(ExtensionRequest.created_at, ExtensionRequest.id)
        )
    ).all()
    return CorrectionRead(
        id=correction.id,
        application_id=correction.application_id,
        unit_id=correction.unit_id,
        officer_ids=correction.officer_ids,
        reason=correction.reason,
        items=correction.items,
        requirements=correction.requirements,
        started_on=correction.started_on,
        original_due_on=correction.original_due_on,
        due_on=correction.due_on,
        status=correction.status,
        breached_due_on=correction.overdue_due_on,
        completed_on=correction.completed_on,
        cause_analysis=correction.cause_analysis,
        completion_report=correction.completion_report,
        progress=[ProgressRead.model_validate(r, from_attributes=True) for r in reports],
        extension_requests=[_request_read(r) for r in requests],
        deadlines=[_deadline(correction)],
        policy_id=correction.policy_id,
        basis=["TOL-16", "TOL-17"],
        version=correction.version,
    )


def _ensure_subject(caller: Caller, correction: Correction) -> None:
    """The subject of the correction (an officer concerned) or its unit (unit leader, legal affairs)."""
    if caller.roles & {"unit_leader", "legal_affairs"}:
        return
    if caller.officer_id not in correction.officer_ids:
        raise errors.NOT_THE_SUBJECT("Only an officer subject to the correction, or the unit, may do this.")


async def _open_for(
    session: AsyncSession, caller: Caller, correction_id: uuid.UUID, if_match: str | None
) -> Correction:
    correction = await get(session, caller, correction_id, lock=True)
    _ensure_subject(caller, correction)
    check_if_match(if_match, correction.version)
    if correction.status != "open":
        raise errors.CORRECTION_CLOSED("The correction is complete.")
    return correction


async def report_progress(
    session: AsyncSession, caller: Caller, correction_id: uuid.UUID, body: ProgressCreate, if_match: str | None
) -> Correction:
    """跟踪了解纠错对象的整改情况 (TOL-17, TOL-18)."""
    correction = await _open_for(session, caller, correction_id, if_match)
    if not correction.started_on <= body.reported_on <= today():
        raise errors.INVALID_DATE("reported_on must lie between the start and today.")
    session.add(
        CorrectionReport(
            id=uuid.uuid4(),
            correction_id=correction.id,
            reported_on=body.reported_on,
            content=body.content,
            reported_by=caller.name or caller.sub,
        )
    )
    return await _bump(session, correction)


async def _bump(session: AsyncSession, correction: Correction) -> Correction:
    """A report or an extension request changes the correction as a resource: a new version
    (its ETag moves, so a client holding the old one gets 412)."""
    flag_modified(correction, "items")
    await session.flush()
    return correction


async def _pending_request(session: AsyncSession, correction: Correction) -> bool:
    pending = await session.scalar(
        select(ExtensionRequest.id).where(
            ExtensionRequest.correction_id == correction.id, ExtensionRequest.status == "pending"
        )
    )
    return pending is not None


async def complete(
    session: AsyncSession, caller: Caller, correction_id: uuid.UUID, body: CompletionCreate, if_match: str | None
) -> Correction:
    """Completion with cause analysis; after due_on it is recorded late (the breach stays visible)."""
    correction = await _open_for(session, caller, correction_id, if_match)
    if not correction.started_on <= body.completed_on <= today():
        raise errors.INVALID_DATE("completed_on must lie between the start and today.")
    if await _pending_request(session, correction):
        raise errors.EXTENSION_PENDING("Decide the pending extension request first.")
    correction.status = "completed"
    correction.completed_on = body.completed_on
    correction.cause_analysis = body.cause_analysis
    correction.completion_report = body.report
    await session.flush()
    await emit(
        session,
        ToleranceCorrectionCompleted(
            correction_id=correction.id,
            application_id=correction.application_id,
            unit_id=correction.unit_id,
            completed_on=body.completed_on,
            due_on=correction.due_on,
            late=body.completed_on > correction.due_on,
        ),
    )
    return correction


async def request_extension(
    session: AsyncSession, caller: Caller, correction_id: uuid.UUID, body: ExtensionRequestCreate, if_match: str | None
) -> ExtensionRequest:
    """TOL-17: 因特殊情况 … 可以申请适当延长整改期限, with a reason; one pending at a time."""
    correction = await _open_for(session, caller, correction_id, if_match)
    if await _pending_request(session, correction):
        raise errors.EXTENSION_PENDING("An extension request awaits a decision.")
    values = await version_values(session, TOLERANCE_POLICIES, correction.policy_id)
    latest = correction.due_on + timedelta(days=values.correction_max_extension_days)
    if not correction.due_on < body.requested_due_on <= latest:
        raise errors.INVALID_EXTENSION(
            f"requested_due_on must be after {correction.due_on} and at most {latest} (policy).",
        )
    request = ExtensionRequest(
        id=uuid.uuid4(),
        correction_id=correction.id,
        unit_id=correction.unit_id,
        requested_on=today(),
        requested_due_on=body.requested_due_on,
        reason=body.reason,
        status="pending",
        due_on_before=correction.due_on,
    )
    session.add(request)
    await _bump(session, correction)
    return request


async def decide_extension(
    session: AsyncSession,
    caller: Caller,
    correction_id: uuid.UUID,
    request_id: uuid.UUID,
    body: ExtensionDecisionCreate,
    if_match: str | None,
) -> ExtensionRequest:
    """Approved or refused with reason by the deciding body (TOL-14, TOL-17); the original due
    date is kept, the new one applies from the approval."""
    from tolerance_service.applications.service import ensure_deciding_body

    correction = await get(session, caller, correction_id, lock=True)
    request = await session.get(ExtensionRequest, request_id, with_for_update=True)
    if request is None or request.correction_id != correction.id:
        raise not_found("extension request")
    application = await session.get(Application, correction.application_id)
    assert application is not None
    ensure_deciding_body(caller, application)
    check_if_match(if_match, correction.version)
    if request.status != "pending":
        raise errors.EXTENSION_DECIDED(f"The request was already {request.status}.")
    if not request.requested_on <= body.decided_on <= today():
        raise errors.INVALID_DATE("decided_on must lie between the request and today.")
    request.status = "approved" if body.approved else "refused"
    request.decision_reason = body.reason
    request.decided_on = body.decided_on
    request.decided_by = caller.name or caller.sub
    if body.approved:
        previous = correction.due_on
        correction.due_on = request.requested_due_on
        await emit(
            session,
            ToleranceCorrectionExtended(
                correction_id=correction.id,
                application_id=correction.application_id,
                unit_id=correction.unit_id,
                previous_due_on=previous,
                due_on=correction.due_on,
                original_due_on=correction.original_due_on,
                request_id=request.id,
            ),
        )
    await _bump(session, correction)
    return request


def request_read(request: ExtensionRequest) -> ExtensionRequestRead:
    return _request_read(request)
