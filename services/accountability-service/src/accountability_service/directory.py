"""The officers and cases of the shared directory (case-service's events), as a write body names
them: each must exist and be in the caller's unit scope — the same 404 either way."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from accountability_service.models import CaseView, OfficerView
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, not_found


async def officer_in_scope(session: AsyncSession, caller: Caller, officer_id: uuid.UUID) -> OfficerView:
    officer = await session.get(OfficerView, officer_id)
    if officer is None:
        raise not_found("officer")
    await ensure_in_scope(session, caller, officer.unit_id, "officer")
    return officer


async def case_in_scope(session: AsyncSession, caller: Caller, case_id: uuid.UUID) -> CaseView:
    case = await session.get(CaseView, case_id)
    if case is None:
        raise not_found("case")
    await ensure_in_scope(session, caller, case.unit_id, "case")
    return case
