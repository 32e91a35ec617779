"""Shared plumbing of case-service's routes: sessions, roles, the timeline, event emission."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep, problem
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller
from enforcement_common.contracts import EventData
from enforcement_common.events import add_events

SERVICE = "case-service"


AnyCaller = Annotated[Caller, Depends(require_roles())]
AdminCaller = Annotated[Caller, Depends(require_roles("admin"))]
OfficerManager = Annotated[Caller, Depends(require_roles("admin", "unit_leader"))]
QualificationAuthority = Annotated[Caller, Depends(require_roles("admin", "justice_bureau"))]
CaseFiler = Annotated[Caller, Depends(require_roles("officer", "unit_leader", "platform"))]
CaseActor = Annotated[Caller, Depends(require_roles("officer", "legal_affairs", "unit_leader"))]
LegalAffairs = Annotated[Caller, Depends(require_roles("legal_affairs"))]
Platform = Annotated[Caller, Depends(require_roles("platform"))]


CONFLICTS = {
    409: problem("Out of order (allowed_actions lists what is possible)"),
    412: problem("Changed since read (If-Match)"),
    428: problem("If-Match required"),
}


__all__ = ["COMMON_RESPONSES", "NOT_FOUND", "SessionDep", "problem"]


async def emit(session: AsyncSession, *events: EventData) -> None:
    await add_events(session, events, source=SERVICE)
