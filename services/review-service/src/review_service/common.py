"""Shared plumbing of review-service's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.problems import PROBLEM_CONTENT_TYPE
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller
from enforcement_common.contracts import EventData
from enforcement_common.events import add_event

SERVICE = "review-service"


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]
AnyCaller = Annotated[Caller, Depends(require_roles())]
Handler = Annotated[Caller, Depends(require_roles("officer", "unit_leader"))]
Reviewer = Annotated[Caller, Depends(require_roles("legal_affairs", "justice_bureau"))]
Signer = Annotated[Caller, Depends(require_roles("legal_affairs", "unit_leader"))]


def problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {}}}


COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: problem("Missing or invalid token"),
    403: problem("Role not allowed"),
    422: problem("Invalid request, or refused by a rule (see basis)"),
}
NOT_FOUND = {404: problem("Not found, or outside your unit scope")}
CONFLICT = {409: problem("Not possible in the current state")}


async def emit(session: AsyncSession, *events: EventData) -> None:
    for event in events:
        await add_event(session, event, source=SERVICE)
