"""Officers: registration, updates, qualification changes and assessments, with their events.

Functions change state and add events to the outbox; the entry point (route or consumer)
owns the transaction and commits."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy import any_, select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import errors
from case_service.events import emit
from case_service.models import Assessment, Officer, OfficerRestriction, Training, Unit
from case_service.officers import rules
from case_service.officers.schemas import (
    AssessmentCreate,
    AssessmentRead,
    Certificate,
    OfficerCreate,
    OfficerRead,
    OfficerUpdate,
    QualificationChange,
)
from enforcement_common.api.concurrency import check_if_match
from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, list_in_scope
from enforcement_common.calendar import today
from enforcement_common.contracts.accountability import SanctionImposed, SanctionWithdrawn
from enforcement_common.contracts.case import OfficerQualificationChanged, OfficerRegistered, OfficerUpdated
from enforcement_common.contracts.review import ReviewOfficerSanctioned, ReviewOfficerSanctionWithdrawn


def status_of(
    officer: Officer, on: date | None = None, periods: list[rules.RestrictionPeriod] | None = None
) -> rules.QualificationStatus:
    """The officer's qualification on ``on`` (default today); ``periods``, the restriction
    history (``restriction_periods``), for a date other than today (CASE-3)."""
    return rules.qualification_status(
        officer.restriction,
        officer.certificate_number,
        officer.certificate_expires_on,
        on or today(),
        issued_on=officer.certificate_issued_on,
        restricted_on=officer.restricted_on,
        periods=periods,
    )


async def restriction_periods(
    session: AsyncSession, officer_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[rules.RestrictionPeriod]]:
    """The suspensions and revocations of these officers, past and present, in one query (CASE-3)."""
    periods: dict[uuid.UUID, list[rules.RestrictionPeriod]] = {i: [] for i in officer_ids}
    if officer_ids:
        rows = await session.execute(
            select(
                OfficerRestriction.officer_id,
                OfficerRestriction.restriction,
                OfficerRestriction.from_on,
                OfficerRestriction.until_on,
            ).where(OfficerRestriction.officer_id.in_(list(officer_ids)))
        )
        for officer_id, restriction, from_on, until_on in rows:
            periods[officer_id].append((restriction, from_on, until_on))
    return periods


async def _record_restriction_period(session: AsyncSession, officer: Officer, on: date) -> None:
    """Close the period in force (the day ``on`` no longer belongs to it) and open the new
    restriction's, so that a past date keeps reading as it was (CASE-3)."""
    open_periods = await session.scalars(
        select(OfficerRestriction).where(
            OfficerRestriction.officer_id == officer.id, OfficerRestriction.until_on.is_(None)
        )
    )
    for period in open_periods:
        period.until_on = max(on, period.from_on)
    if officer.restriction != "none":
        session.add(OfficerRestriction(officer_id=officer.id, restriction=officer.restriction, from_on=on))


def read(officer: Officer, caller: Caller | None) -> OfficerRead:
    sees_id = caller is not None and bool(caller.roles & rules.ID_NUMBER_ROLES)
    certificate = (
        Certificate(
            number=officer.certificate_number,
            issued_on=officer.certificate_issued_on,
            expires_on=officer.certificate_expires_on,
        )
        if officer.certificate_number and officer.certificate_issued_on and officer.certificate_expires_on
        else None
    )
    return OfficerRead(
        id=officer.id,
        unit_id=officer.unit_id,
        name=officer.name,
        staff_type=officer.staff_type,
        position=officer.position,
        id_number=officer.id_number if sees_id else rules.mask_id_number(officer.id_number),
        certificate=certificate,
        qualification_status=status_of(officer),
        restriction_basis=list(officer.restriction_basis or []),
        restriction_reason=officer.restriction_reason,
        restricted_on=officer.restricted_on,
        version=officer.version,
        created_at=officer.created_at,
        updated_at=officer.updated_at,
    )


def _event_fields(officer: Officer) -> dict:
    return {
        "officer_id": officer.id,
        "unit_id": officer.unit_id,
        "name": officer.name,
        "staff_type": officer.staff_type,
        "certificate_no": officer.certificate_number,
        "certificate_expires_on": officer.certificate_expires_on,
        "qualification_status": status_of(officer),
    }


def _apply_certificate(officer: Officer, certificate: Certificate | None) -> None:
    officer.certificate_number = certificate.number if certificate else None
    officer.certificate_issued_on = certificate.issued_on if certificate else None
    officer.certificate_expires_on = certificate.expires_on if certificate else None


async def _certificate_taken(session: AsyncSession, number: str, officer_id: uuid.UUID | None = None) -> None:
    other = await session.scalar(select(Officer.id).where(Officer.certificate_number == number))
    if other is not None and other != officer_id:
        raise errors.CERTIFICATE_TAKEN(f"Certificate {number} belongs to another officer.")


async def register(session: AsyncSession, caller: Caller, body: OfficerCreate) -> OfficerRead:
    await get_in_scope(session, caller, Unit, body.unit_id, "unit", unit_attr="id")
    if body.certificate:
        await _certificate_taken(session, body.certificate.number)
    officer = Officer(
        id=uuid.uuid4(), restriction="none", restriction_basis=[], **body.model_dump(exclude={"certificate"})
    )
    _apply_certificate(officer, body.certificate)
    officer.reported_status = status_of(officer)
    session.add(officer)
    await session.flush()
    await emit(session, OfficerRegistered(**_event_fields(officer)))
    return read(officer, caller)


async def get(session: AsyncSession, caller: Caller, officer_id: uuid.UUID) -> Officer:
    return await get_in_scope(session, caller, Officer, officer_id, "officer")


async def list_page(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    unit_id: uuid.UUID | None,
    staff_type: str | None,
    qualification_status: str | None,
    q: str | None,
) -> Page[OfficerRead]:
    query = (
        (await list_in_scope(session, caller, Officer.unit_id))
        .equal(Officer.unit_id, unit_id)
        .equal(Officer.staff_type, staff_type)
        .where(Officer.name.contains(q or "", autoescape=True), given=q or None)
    )
    keys = [Officer.created_at, Officer.id]
    if qualification_status is None:
        officers, cursor = await query.page(session, keys, page)
        return Page[OfficerRead](items=[read(o, caller) for o in officers], next_cursor=cursor)
    # The status depends on today's date: filter after reading, page by page.
    items: list[OfficerRead] = []
    cursor = page.cursor
    while len(items) < page.limit:
        batch, cursor = await query.page(session, keys, page.model_copy(update={"cursor": cursor}))
        items += [o for o in (read(x, caller) for x in batch) if o.qualification_status == qualification_status]
        if cursor is None:
            break
    return Page[OfficerRead](items=items, next_cursor=cursor)


async def update(
    session: AsyncSession, caller: Caller, officer_id: uuid.UUID, body: OfficerUpdate, if_match: str | None
) -> OfficerRead:
    officer = await get(session, caller, officer_id)
    check_if_match(if_match, officer.version, required=True)
    status_before = officer.reported_status or status_of(officer)
    changes = body.model_dump(exclude_unset=True, exclude={"certificate"})
    for field, value in changes.items():
        setattr(officer, field, value)
    if "certificate" in body.model_fields_set:
        if body.certificate:
            await _certificate_taken(session, body.certificate.number, officer.id)
        _apply_certificate(officer, body.certificate)
    await session.flush()
    events: list = [OfficerUpdated(**_event_fields(officer))]
    status_after = status_of(officer)
    if status_after != status_before:  # a certificate issued, renewed or withdrawn (CASE-3)
        officer.reported_status = status_after
        events.append(
            OfficerQualificationChanged(
                officer_id=officer.id,
                unit_id=officer.unit_id,
                from_status=status_before,
                to_status=status_after,
                reason="执法证信息变更",
                basis=["CASE-3"],
                effective_on=today(),
            )
        )
    await emit(session, *events)
    return read(officer, caller)


async def change_qualification(
    session: AsyncSession, caller: Caller, officer_id: uuid.UUID, change: QualificationChange, if_match: str | None
) -> OfficerRead:
    """Suspend, reinstate or revoke at an authority's request; 409 when already there."""
    officer = await get(session, caller, officer_id)
    check_if_match(if_match, officer.version)
    if not await apply_qualification_change(session, officer, change):
        raise errors.INVALID_QUALIFICATION_ACTION(f"The officer is already where '{change.action}' leads.")
    return read(officer, caller)


async def apply_qualification_change(session: AsyncSession, officer: Officer, change: QualificationChange) -> bool:
    """Suspend, reinstate or revoke; returns False when the officer is already in that state.

    Reinstating after a REV-8 suspension needs a training attended and a passed
    assessment after the suspension date (422 with basis REV-8 otherwise).
    """
    if not rules.action_allowed(change.action, officer.restriction):
        if rules.restriction_after(change.action) == officer.restriction:
            return False
        raise errors.INVALID_QUALIFICATION_ACTION(
            f"Cannot {change.action} an officer whose certificate is {status_of(officer)}.",
        )
    effective_on = change.effective_on or today()
    if change.action == "reinstate" and "REV-8" in (officer.restriction_basis or []):
        suspended_on = officer.restricted_on or effective_on
        trainings = (
            await session.execute(
                select(Training.start_date, Training.end_date).where(officer.id == any_(Training.attendee_ids))
            )
        ).all()
        passed = (
            await session.scalars(
                select(Assessment.assessed_on).where(Assessment.officer_id == officer.id, Assessment.passed)
            )
        ).all()
        if not rules.reinstatement_requirements_met(
            suspended_on, [(start, end) for start, end in trainings], list(passed), today()
        ):
            raise errors.REINSTATEMENT_REQUIREMENTS_UNMET(
                f"Suspended on {suspended_on.isoformat()} under REV-8: reinstatement needs a training attended "
                "and a passed assessment recorded after that date.",
                basis=["REV-8"],
            )
    before = status_of(officer, effective_on)
    officer.restriction = rules.restriction_after(change.action)
    officer.restricted_on = None if change.action == "reinstate" else effective_on
    officer.restriction_basis = [] if change.action == "reinstate" else list(change.basis)
    officer.restriction_reason = None if change.action == "reinstate" else change.reason
    officer.reported_status = status_of(officer, effective_on)
    await _record_restriction_period(session, officer, effective_on)
    officer.version  # noqa: B018  (loaded: the version check applies to this update)
    await session.flush()
    await emit(
        session,
        OfficerQualificationChanged(
            officer_id=officer.id,
            unit_id=officer.unit_id,
            from_status=before,
            to_status=status_of(officer, effective_on),
            reason=change.reason,
            basis=list(change.basis),
            effective_on=effective_on,
        ),
    )
    return True


async def record_assessment(
    session: AsyncSession, caller: Caller, officer_id: uuid.UUID, body: AssessmentCreate
) -> AssessmentRead:
    officer = await get(session, caller, officer_id)
    if body.assessed_on > today():
        raise errors.ASSESSMENT_IN_FUTURE(
            "assessed_on is after today: an assessment is recorded once it took place.",
            errors=[{"loc": ["body", "assessed_on"], "msg": "in the future", "type": "date"}],
        )
    assessment = Assessment(id=uuid.uuid4(), officer_id=officer.id, **body.model_dump())
    session.add(assessment)
    await session.flush()
    return AssessmentRead(id=assessment.id, officer_id=officer.id, **body.model_dump())


# --- sanctions decided elsewhere (consumers.sanctions) ------------------------------------------


async def _locked(session: AsyncSession, officer_id: uuid.UUID) -> Officer | None:
    return await session.scalar(select(Officer).where(Officer.id == officer_id).with_for_update())


async def suspend_after_review(session: AsyncSession, data: ReviewOfficerSanctioned) -> None:
    """REV-8: a suspension announced by review-service suspends the officer (once)."""
    if data.level != "suspension":
        return  # criticism and no_commendation do not touch the certificate
    officer = await _locked(session, data.officer_id)
    if officer is None:
        return
    if officer.restriction != "none":
        # Already suspended for another reason: reinstatement now needs REV-8's conditions too,
        # counted from this sanction — training and assessment before it do not count.
        _add_basis(officer, "REV-8")
        officer.restricted_on = max(filter(None, [officer.restricted_on, today()]))
        return
    await apply_qualification_change(
        session,
        officer,
        QualificationChange(
            action="suspend",
            reason=f"{data.year} 年度案卷评查不合格 {data.unqualified_count} 件（主办 {data.lead_cases} 件）",
            basis=list(dict.fromkeys(["REV-8", *data.basis])),
        ),
    )


async def lift_review_suspension(session: AsyncSession, data: ReviewOfficerSanctionWithdrawn) -> None:
    """REV-12/REV-8: review-service withdrew a suspension level (the file that reached it is no
    longer reviewed): REV-8 no longer holds the suspension. Lifted when it was the only ground
    — without the training and assessment a standing REV-8 suspension needs —, kept with its
    other ground (ERR-11) otherwise. Once: an officer no longer suspended under REV-8 is left alone."""
    if data.level != "suspension":
        return  # criticism and no_commendation never touched the certificate
    await _withdraw_suspension_ground(
        session,
        data.officer_id,
        "REV-8",
        reason=f"{data.year} 年度 REV-8 暂停执法撤回：{data.reason}",
        basis=["REV-12", "REV-8", *data.basis],
    )


async def lift_accountability_suspension(session: AsyncSession, data: SanctionWithdrawn) -> None:
    """TOL-15/ERR-12: accountability-service withdrew an ERR-11 sanction (a tolerance decision
    granted later, or an appeal that changed the handling): a suspension resting on ERR-11 alone
    is lifted, one with another standing ground (REV-8) is kept. A revocation (remove_from_post)
    is not undone here: a revoked certificate is re-issued, not reinstated (CASE-3)."""
    if "suspend_enforcement" not in data.sanctions:
        return
    await _withdraw_suspension_ground(
        session,
        data.officer_id,
        "ERR-11",
        reason=f"错案责任追究 {data.error_case_id} 撤回：{data.reason}",
        basis=[*data.basis, "ERR-11"],
    )


async def _withdraw_suspension_ground(
    session: AsyncSession, officer_id: uuid.UUID, ground: str, *, reason: str, basis: list[str]
) -> None:
    """One ground of a suspension no longer stands: dropped from its basis; the officer is
    reinstated when no other ground is left. Once: an officer not suspended on ``ground`` is
    left alone (a redelivery, or a suspension already lifted otherwise)."""
    officer = await _locked(session, officer_id)
    if officer is None or officer.restriction != "suspended" or ground not in (officer.restriction_basis or []):
        return
    officer.restriction_basis = [b for b in officer.restriction_basis if b != ground]
    if officer.restriction_basis:
        return  # still suspended on its other ground
    await apply_qualification_change(
        session,
        officer,
        QualificationChange(action="reinstate", reason=reason, basis=list(dict.fromkeys(basis))),
    )


async def apply_accountability_sanction(session: AsyncSession, data: SanctionImposed) -> None:
    """ERR-11: ``remove_from_post`` revokes, ``suspend_enforcement`` suspends (once each)."""
    officer = await _locked(session, data.officer_id)
    if officer is None:
        return
    reason = f"错案责任追究 {data.error_case_id}"
    if "remove_from_post" in data.sanctions and officer.restriction != "revoked":
        await apply_qualification_change(
            session,
            officer,
            QualificationChange(action="revoke", reason=reason, basis=["ERR-11"], effective_on=data.effective_on),
        )
    elif "suspend_enforcement" in data.sanctions and officer.restriction == "suspended":
        _add_basis(officer, "ERR-11")
    elif "suspend_enforcement" in data.sanctions and officer.restriction == "none":
        await apply_qualification_change(
            session,
            officer,
            QualificationChange(action="suspend", reason=reason, basis=["ERR-11"], effective_on=data.effective_on),
        )


def _add_basis(officer: Officer, basis: str) -> None:
    """A second, concurrent reason for the same suspension is kept, not dropped."""
    if basis not in (officer.restriction_basis or []):
        officer.restriction_basis = [*(officer.restriction_basis or []), basis]
