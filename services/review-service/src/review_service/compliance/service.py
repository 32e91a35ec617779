"""A unit's self-review compliance for a year: the REV-6 rate and the REV-17 flag."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope
from enforcement_common.calendar import today
from review_service import rules
from review_service.compliance.schemas import ComplianceRead
from review_service.models import Obligation


async def of_unit(session: AsyncSession, caller: Caller, unit_id: uuid.UUID, year: int) -> ComplianceRead:
    await ensure_in_scope(session, caller, unit_id, "unit")
    rows = (
        await session.scalars(
            select(Obligation).where(Obligation.unit_id == unit_id, func.extract("year", Obligation.closed_on) == year)
        )
    ).all()
    now = today()
    excluded = sum(o.status == "excluded" for o in rows)
    reviewed = sum(o.status == "reviewed" for o in rows)
    overdue = sum(o.status == "pending" and now > o.due_on for o in rows)
    fell_due = sum(o.status != "excluded" and now > o.due_on for o in rows)
    # REV-6 counts the files that fell due (or were reviewed early); those still within their 30 days wait.
    rate = rules.self_review_rate(
        reviewed, sum(o.status == "reviewed" or (o.status != "excluded" and now > o.due_on) for o in rows)
    )
    return ComplianceRead(
        unit_id=unit_id,
        year=year,
        obligations=len(rows),
        excluded=excluded,
        reviewed=reviewed,
        submitted=sum(o.status == "submitted" for o in rows),
        pending=sum(o.status == "pending" for o in rows) - overdue,
        overdue=overdue,
        self_review_rate=rate,
        meets_target=None if rate is None else rate >= 1.0,
        rev17_flag=fell_due > 0 and reviewed == 0,
    )
