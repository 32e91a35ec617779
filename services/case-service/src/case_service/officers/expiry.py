"""Certificates running out (执法证有效期届满): the one change of qualification that no request
makes. A scanner finds officers last reported ``active`` whose certificate has expired and
emits ``officer.qualification_changed`` active → uncertified once (CASE-3)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.common import SERVICE
from case_service.models import Officer
from enforcement_common.calendar import local_date
from enforcement_common.contracts.case import OfficerQualificationChanged
from enforcement_common.events import DeadlineScanner


def due(now: datetime) -> Select:
    return (
        select(Officer)
        .where(
            Officer.reported_status == "active",
            Officer.restriction == "none",
            Officer.certificate_expires_on < local_date(now),
        )
        .order_by(Officer.certificate_expires_on)
    )


async def on_due(session: AsyncSession, officer: Officer, now: datetime) -> list[OfficerQualificationChanged]:
    officer.reported_status = "uncertified"
    assert officer.certificate_expires_on is not None
    return [
        OfficerQualificationChanged(
            officer_id=officer.id,
            unit_id=officer.unit_id,
            from_status="active",
            to_status="uncertified",
            reason="执法证有效期届满",
            basis=["CASE-3"],
            effective_on=officer.certificate_expires_on + timedelta(days=1),
        )
    ]


def scanner(interval: float) -> DeadlineScanner:
    return DeadlineScanner("certificate-expiry", SERVICE, due, on_due, interval=interval)
