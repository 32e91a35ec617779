"""Certificates running out (执法证有效期届满) and coming into force (a certificate issued with a
future ``issued_on``): the changes of qualification that no request makes. One scanner finds
officers last reported ``active`` whose certificate has expired and emits
``officer.qualification_changed`` active → uncertified once; another finds officers last
reported ``uncertified`` whose certificate is now valid and emits uncertified → active once
(CASE-3)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.events import SERVICE
from case_service.models import Officer
from enforcement_common.calendar import local_date
from enforcement_common.contracts.case import OfficerQualificationChanged, QualificationStatus
from enforcement_common.events import DeadlineScanner, OverdueScanner


def _changed(
    officer: Officer, before: QualificationStatus, after: QualificationStatus, reason: str, effective_on: date
) -> OfficerQualificationChanged:
    return OfficerQualificationChanged(
        officer_id=officer.id,
        unit_id=officer.unit_id,
        from_status=before,
        to_status=after,
        reason=reason,
        basis=["CASE-3"],
        effective_on=effective_on,
    )


def expiry_event(officer: Officer) -> OfficerQualificationChanged:
    assert officer.certificate_expires_on is not None
    return _changed(
        officer, "active", "uncertified", "执法证有效期届满", officer.certificate_expires_on + timedelta(days=1)
    )


def _mark_uncertified(officer: Officer, now: datetime) -> None:
    officer.reported_status = "uncertified"


def scanner(interval: float) -> OverdueScanner:
    """Officers last reported active, unrestricted, whose certificate ran out before today."""
    return OverdueScanner(
        "certificate-expiry",
        SERVICE,
        due_column=Officer.certificate_expires_on,
        marker=Officer.reported_status,
        unmarked=Officer.reported_status == "active",
        mark=_mark_uncertified,
        where=[Officer.restriction == "none"],
        event=expiry_event,
        interval=interval,
    )


def issuance_scanner(interval: float) -> DeadlineScanner:
    """Officers last reported uncertified, unrestricted, whose certificate is in force today —
    one issued with a future ``issued_on`` (not valid before it, CASE-3) reported once valid."""

    def due(now: datetime) -> Select[tuple[Officer]]:
        on = local_date(now)
        return select(Officer).where(
            Officer.reported_status == "uncertified",
            Officer.restriction == "none",
            Officer.certificate_number.is_not(None),
            Officer.certificate_issued_on <= on,
            Officer.certificate_expires_on >= on,
        )

    async def on_due(session: AsyncSession, officer: Officer, now: datetime) -> list[OfficerQualificationChanged]:
        officer.reported_status = "active"  # unrestricted, issued and not expired: what status_of reads
        assert officer.certificate_issued_on is not None
        return [_changed(officer, "uncertified", "active", "执法证生效", officer.certificate_issued_on)]

    return DeadlineScanner("certificate-issuance", SERVICE, due, on_due, interval=interval)
