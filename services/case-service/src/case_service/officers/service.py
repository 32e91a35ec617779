"""Officers: registration, updates, qualification changes and assessments, with their events."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import any_, select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.common import emit
from case_service.models import Assessment, Officer, Training, Unit
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
from enforcement_common.api.problems import ProblemError
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, not_found
from enforcement_common.calendar import today
from enforcement_common.contracts.case import OfficerQualificationChanged, OfficerRegistered, OfficerUpdated


def status_of(officer: Officer, on: date | None = None) -> rules.QualificationStatus:
    return rules.qualification_status(
        officer.restriction, officer.certificate_number, officer.certificate_expires_on, on or today()
    )


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
        raise ProblemError(409, "officer.certificate_taken", f"Certificate {number} belongs to another officer.")


async def register(session: AsyncSession, caller: Caller, body: OfficerCreate) -> OfficerRead:
    if await session.get(Unit, body.unit_id) is None:
        raise not_found("unit")
    await ensure_in_scope(session, caller, body.unit_id, "unit")
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
    await session.commit()
    return read(officer, caller)


async def get_visible(session: AsyncSession, caller: Caller, officer_id: uuid.UUID) -> Officer:
    officer = await session.get(Officer, officer_id)
    if officer is None:
        raise not_found("officer")
    await ensure_in_scope(session, caller, officer.unit_id, "officer")
    return officer


async def update(session: AsyncSession, caller: Caller, officer: Officer, body: OfficerUpdate) -> OfficerRead:
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
    await session.commit()
    return read(officer, caller)


async def change_qualification(
    session: AsyncSession, officer: Officer, change: QualificationChange, *, commit: bool = True
) -> bool:
    """Suspend, reinstate or revoke; returns False when the officer is already in that state.

    Reinstating after a REV-8 suspension needs a training attended and a passed
    assessment after the suspension date (422 with basis REV-8 otherwise).
    """
    if not rules.action_allowed(change.action, officer.restriction):
        if rules.restriction_after(change.action) == officer.restriction:
            return False
        raise ProblemError(
            409,
            "officer.invalid_qualification_action",
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
            raise ProblemError(
                422,
                "officer.reinstatement_requirements_unmet",
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
    if commit:
        await session.commit()
    return True


async def record_assessment(session: AsyncSession, officer: Officer, body: AssessmentCreate) -> AssessmentRead:
    if body.assessed_on > today():
        raise ProblemError(
            422,
            "officer.assessment_in_future",
            "assessed_on is after today: an assessment is recorded once it took place.",
            errors=[{"loc": ["body", "assessed_on"], "msg": "in the future", "type": "date"}],
        )
    assessment = Assessment(id=uuid.uuid4(), officer_id=officer.id, **body.model_dump())
    session.add(assessment)
    await session.commit()
    return AssessmentRead(id=assessment.id, officer_id=officer.id, **body.model_dump())
