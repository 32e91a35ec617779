"""What every service's routes share: a database session per request and documented problems."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.problems import PROBLEM_CONTENT_TYPE

__all__ = ["COMMON_RESPONSES", "NOT_FOUND", "SessionDep", "app_settings", "problem"]


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    owned = getattr(request.state, "session", None)
    if owned is not None:  # a TransactionalRoute's: it commits (see api.transaction)
        yield owned
        return
    async with request.app.state.sessions() as session:
        yield session


async def app_settings(request: Request) -> Any:
    """The app's settings (``app.state.settings``) — a service declares its typed alias:
    ``SettingsDep = Annotated[Settings, Depends(app_settings)]``."""
    return request.app.state.settings


#: The request's session: its transaction is owned (and committed) by the route class —
#: routes and services never commit.
SessionDep = Annotated[AsyncSession, Depends(_session)]


def problem(description: str) -> dict[str, Any]:
    """An OpenAPI response entry answered with a problem (the app points it at the Problem schema)."""
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {}}}


#: Errors every authenticated route can answer.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: problem("Missing or invalid token"),
    403: problem("Role not allowed"),
    422: problem("Invalid request, or refused by a rule (see basis)"),
    503: problem("The database connection was lost — retry after Retry-After seconds, with the same Idempotency-Key"),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem("Not found, or outside your unit scope")}
