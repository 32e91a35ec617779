"""Shared plumbing of review-service's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep, problem
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller
from enforcement_common.contracts import EventData
from enforcement_common.events import add_events

SERVICE = "review-service"


AnyCaller = Annotated[Caller, Depends(require_roles())]
Handler = Annotated[Caller, Depends(require_roles("officer", "unit_leader"))]
Reviewer = Annotated[Caller, Depends(require_roles("legal_affairs", "justice_bureau"))]
Signer = Annotated[Caller, Depends(require_roles("legal_affairs", "unit_leader"))]


CONFLICT = {409: problem("Not possible in the current state")}


__all__ = ["COMMON_RESPONSES", "NOT_FOUND", "SessionDep", "problem"]


async def emit(session: AsyncSession, *events: EventData) -> None:
    await add_events(session, events, source=SERVICE)
