"""Petitions and reports (信访举报) about officers, and clarifications (澄清正名): TOL-19.

Privacy: an anonymous petition stores no reporter identity at all (the request carrying
one is refused before anything is written; the callers are the petition office's staff,
never the reporter). A real-name reporter's identity is read by legal_affairs and
discipline only. An officer named in a petition never sees it — not by its id (404, the
same as a missing one), not in a list — whatever other role that officer holds. No event
names a reporter."""

from __future__ import annotations

import uuid

from sqlalchemy import any_, not_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from enforcement_common.api.concurrency import check_if_match
from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, list_in_scope, not_found
from enforcement_common.calendar import due_date, today
from enforcement_common.contracts.tolerance import ToleranceClarificationIssued
from enforcement_common.directory import ensure_officers_in_scope
from enforcement_common.policies import resolve
from tolerance_service import errors, rules, subjects
from tolerance_service.applications.schemas import Deadline
from tolerance_service.events import emit
from tolerance_service.models import Clarification, Petition
from tolerance_service.petitions.schemas import (
    ClarificationCreate,
    ClarificationRead,
    FeedbackCreate,
    OutcomeCreate,
    PetitionCreate,
    PetitionRead,
    ReporterRead,
)
from tolerance_service.policy import TOLERANCE_POLICIES

#: TOL-19: who may read a real-name reporter's identity.
IDENTITY_READERS = frozenset({"legal_affairs", "discipline"})


def _named(caller: Caller, petition: Petition) -> bool:
    return caller.officer_id is not None and caller.officer_id in petition.officer_ids


async def get(session: AsyncSession, caller: Caller, petition_id: uuid.UUID, *, lock: bool = False) -> Petition:
    """The petition, or 404 — also for an officer named in it (the same answer as a missing one)."""
    petition = await get_in_scope(session, caller, Petition, petition_id, "petition", lock=lock)
    if _named(caller, petition):
        raise not_found("petition")
    return petition


def _deadlines(petition: Petition) -> list[Deadline]:
    if petition.feedback_due_on is None:
        return []
    return [
        Deadline.of("petition_feedback", petition.feedback_due_on, petition.feedback_on, "TOL-19", petition.policy_id)
    ]


async def read(session: AsyncSession, caller: Caller, petition: Petition) -> PetitionRead:
    clarifications = (
        await session.scalars(
            select(Clarification).where(Clarification.petition_id == petition.id).order_by(Clarification.issued_on)
        )
    ).all()
    reporter = None
    if not petition.anonymous and caller.roles & IDENTITY_READERS and not _named(caller, petition):
        reporter = ReporterRead(
            name=petition.reporter_name or "", phone=petition.reporter_phone, address=petition.reporter_address
        )
    return PetitionRead(
        id=petition.id,
        unit_id=petition.unit_id,
        officer_ids=petition.officer_ids,
        anonymous=petition.anonymous,
        reporter=reporter,
        received_on=petition.received_on,
        summary=petition.summary,
        status=petition.status,
        outcome=petition.outcome,
        concluded_on=petition.concluded_on,
        findings=petition.findings,
        feedback_on=petition.feedback_on,
        feedback_content=petition.feedback_content,
        explanation_scope=petition.explanation_scope,
        clarifications=[ClarificationRead.model_validate(c, from_attributes=True) for c in clarifications],
        deadlines=_deadlines(petition),
        policy_id=petition.policy_id,
        basis=["TOL-19"],
        version=petition.version,
    )


async def list_page(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    unit_id: uuid.UUID | None,
    status: str | None,
    outcome: str | None,
) -> Page[PetitionRead]:
    query = (
        (await list_in_scope(session, caller, Petition.unit_id))
        .equal(Petition.unit_id, unit_id)
        .equal(Petition.status, status)
        .equal(Petition.outcome, outcome)
        # never the petitions that name the caller (TOL-19)
        .where(not_(caller.officer_id == any_(Petition.officer_ids)), given=caller.officer_id)
    )
    items, cursor = await query.page(session, [Petition.received_on, Petition.id], page)
    return Page[PetitionRead](items=[await read(session, caller, p) for p in items], next_cursor=cursor)


async def receive(session: AsyncSession, caller: Caller, body: PetitionCreate) -> Petition:
    """Record a petition; a real-name reporter is owed feedback within the policy's period."""
    below = await subjects.unit_for_write(session, caller, body.unit_id)
    await ensure_officers_in_scope(session, caller, body.officer_ids, within=below)
    if body.received_on > today():
        raise errors.INVALID_DATE("received_on is after today.")
    policy = await resolve(session, TOLERANCE_POLICIES, body.unit_id, body.received_on)
    reporter = body.reporter
    petition = Petition(
        id=uuid.uuid4(),
        unit_id=body.unit_id,
        officer_ids=list(body.officer_ids),
        anonymous=body.anonymous,
        reporter_name=reporter.name if reporter else None,
        reporter_phone=reporter.phone if reporter else None,
        reporter_address=reporter.address if reporter else None,
        received_on=body.received_on,
        summary=body.summary,
        status="received",
        feedback_due_on=(
            None
            if body.anonymous
            else due_date(
                body.received_on, policy.values.petition_feedback_days, policy.values.petition_feedback_day_kind
            )
        ),
        policy_id=policy.policy_id,
    )
    session.add(petition)
    await session.flush()
    return petition


async def conclude(
    session: AsyncSession, caller: Caller, petition_id: uuid.UUID, body: OutcomeCreate, if_match: str | None
) -> Petition:
    """The outcome: 不属实 / 查无实据 / 予以容错免责 / 属实 (TOL-19)."""
    petition = await get(session, caller, petition_id, lock=True)
    check_if_match(if_match, petition.version)
    if petition.status == "concluded":
        raise errors.PETITION_CONCLUDED("The petition is concluded.")
    if not petition.received_on <= body.concluded_on <= today():
        raise errors.INVALID_DATE("concluded_on must lie between the receipt and today.")
    petition.status, petition.outcome = "concluded", body.outcome
    petition.concluded_on, petition.findings = body.concluded_on, body.findings
    await session.flush()
    return petition


async def give_feedback(
    session: AsyncSession, caller: Caller, petition_id: uuid.UUID, body: FeedbackCreate, if_match: str | None
) -> Petition:
    """Feedback to a real-name reporter (late is recorded ``met_late``); an explanation within a
    recorded scope for an anonymous petition found unfounded, unproven or tolerated (TOL-19)."""
    petition = await get(session, caller, petition_id, lock=True)
    check_if_match(if_match, petition.version)
    if petition.status != "concluded":
        raise errors.PETITION_NOT_CONCLUDED("Feedback follows the outcome.")
    if petition.feedback_on is not None:
        raise errors.FEEDBACK_GIVEN("Feedback was already given.")
    if petition.anonymous and petition.outcome not in rules.FEEDBACK_OUTCOMES:
        raise errors.FEEDBACK_NOT_DUE("An anonymous petition found founded gets no explanation under TOL-19.")
    if petition.anonymous != (body.scope is not None):
        raise errors.INVALID_FEEDBACK(
            "An explanation of an anonymous petition records its scope; feedback to a real-name reporter has none."
        )
    if not petition.concluded_on <= body.given_on <= today():
        raise errors.INVALID_DATE("given_on must lie between the outcome and today.")
    petition.feedback_on, petition.feedback_content = body.given_on, body.content
    petition.explanation_scope = body.scope
    await session.flush()
    return petition


async def clarify(
    session: AsyncSession, caller: Caller, petition_id: uuid.UUID, body: ClarificationCreate, if_match: str | None
) -> Petition:
    """澄清正名: only after a concluded petition found unfounded or unproven, with the officer's
    consent, its scope and channel recorded; ``tolerance.clarification_issued`` (no reporter)."""
    petition = await get(session, caller, petition_id, lock=True)
    check_if_match(if_match, petition.version)
    if not rules.may_clarify(petition.status == "concluded", petition.outcome):
        raise errors.NOT_CLARIFIABLE(
            f"The petition is {petition.status}{' as ' + petition.outcome if petition.outcome else ''}."
        )
    if not set(body.officer_ids) <= set(petition.officer_ids):
        raise errors.OFFICER_NOT_NAMED("Clarify officers named in the petition.")
    if not body.consent.given:
        raise errors.CONSENT_REQUIRED("The officer's consent is required.")
    if not petition.concluded_on <= body.consent.given_on <= body.issued_on <= today():
        raise errors.INVALID_DATE("The consent follows the outcome and precedes the clarification, not after today.")
    clarification = Clarification(
        id=uuid.uuid4(),
        petition_id=petition.id,
        unit_id=petition.unit_id,
        officer_ids=list(body.officer_ids),
        consent_on=body.consent.given_on,
        scope=body.scope,
        channel=body.channel,
        content=body.content,
        issued_on=body.issued_on,
    )
    session.add(clarification)
    flag_modified(petition, "findings")  # the clarification is part of the petition: a new version
    await session.flush()
    await emit(
        session,
        ToleranceClarificationIssued(
            petition_id=petition.id,
            unit_id=petition.unit_id,
            officer_ids=clarification.officer_ids,
            issued_on=body.issued_on,
            scope=body.scope,
            channel=body.channel,
        ),
    )
    return petition
