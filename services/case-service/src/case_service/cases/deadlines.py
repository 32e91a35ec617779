"""The deadline scanner: one ``case.deadline_overdue`` per statutory deadline missed (CASE-9)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.common import SERVICE
from case_service.models import Case, CaseDeadline
from enforcement_common.calendar import local_date
from enforcement_common.contracts.case import CaseDeadlineOverdue
from enforcement_common.events import DeadlineScanner


def due(now: datetime) -> Select:
    """Open deadlines whose last day has passed, of cases still under way."""
    return (
        select(CaseDeadline)
        .join(Case, Case.id == CaseDeadline.case_id)
        .where(
            CaseDeadline.met_on.is_(None),
            CaseDeadline.overdue_emitted_at.is_(None),
            CaseDeadline.due_on < local_date(now),
            Case.status.not_in(["transferred", "withdrawn", "closed", "archived"]),
        )
        .order_by(CaseDeadline.due_on)
    )


async def on_due(session: AsyncSession, deadline: CaseDeadline, now: datetime) -> list[CaseDeadlineOverdue]:
    deadline.overdue_emitted_at = now
    return [
        CaseDeadlineOverdue(
            case_id=deadline.case_id,
            unit_id=deadline.unit_id,
            kind=deadline.kind,
            due_on=deadline.due_on,
            basis=deadline.basis,
        )
    ]


def scanner(interval: float) -> DeadlineScanner:
    return DeadlineScanner("case-deadlines", SERVICE, due, on_due, interval=interval)
