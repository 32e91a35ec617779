"""Certificates running out (执法证有效期届满): the one change of qualification that no request
makes. A scanner finds officers last reported ``active`` whose certificate has expired and
emits ``officer.qualification_changed`` active → uncertified once (CASE-3)."""

from __future__ import annotations

from datetime import datetime, timedelta

from case_service.events import SERVICE
from case_service.models import Officer
from enforcement_common.contracts.case import OfficerQualificationChanged
from enforcement_common.events import OverdueScanner


def expiry_event(officer: Officer) -> OfficerQualificationChanged:
    assert officer.certificate_expires_on is not None
    return OfficerQualificationChanged(
        officer_id=officer.id,
        unit_id=officer.unit_id,
        from_status="active",
        to_status="uncertified",
        reason="执法证有效期届满",
        basis=["CASE-3"],
        effective_on=officer.certificate_expires_on + timedelta(days=1),
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
