"""The unit, officers and cases a write names (applications, petitions): each must exist and be in
the caller's scope, at or below the write's unit — otherwise 404, the same answer either way
(a missing id and one outside scope are not told apart)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, not_found, units_below
from tolerance_service.models import CaseView


async def unit_for_write(session: AsyncSession, caller: Caller, unit_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """The write's unit, known and in the caller's scope; the units at or below it."""
    await ensure_in_scope(session, caller, unit_id, "unit")
    return await units_below(session, unit_id)


async def case_category(session: AsyncSession, case_id: uuid.UUID | None, below: frozenset[uuid.UUID]) -> str | None:
    """The case's category (TOL-18 "same field") when it is known, of a unit in ``below``."""
    if case_id is None:
        return None
    case = await session.get(CaseView, case_id)
    if case is None or case.unit_id not in below:
        raise not_found("case")
    return case.category
