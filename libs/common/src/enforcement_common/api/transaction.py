"""The entry point owns the transaction: one per request, committed before the response leaves.

Every route of a service is a :class:`TransactionalRoute` (routers are made with
:class:`ServiceRouter`). For each request it opens the session that ``SessionDep``
hands to the route, runs the route, and — when the route answered 2xx/3xx to a
mutating method — writes, **in the same database transaction as the effect**:

* the stored response of the ``Idempotency-Key`` (so a completed request is always
  replayed, and a crash leaves either no effect and a free key, or the effect and its
  stored response — never one without the other);
* the request's audit entry (so no write commits unaudited);

then commits, then lets the response go. Service functions change state and add
events to the outbox but never commit. A refusal (an exception, or a 4xx) rolls the
transaction back; the idempotency and audit middlewares then record the refusal on
their own, since nothing was changed.

A GET runs in a transaction that is rolled back at the end (reads never commit).
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError

from enforcement_common.api import idempotency
from enforcement_common.audit import MUTATING, append_in_transaction
from enforcement_common.calendar import calendar_in_use


class TransactionalRoute(APIRoute):
    """A route whose request is one database transaction owned by this class (see the module).

    Its OpenAPI summary is the first line of the endpoint's docstring (unless given)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if kwargs.get("summary") is None and endpoint.__doc__:
            kwargs["summary"] = endpoint.__doc__.strip().splitlines()[0].strip()
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def run(request: Request) -> Response:
            with calendar_in_use(request.app.state.calendar):  # the app's published holiday years
                return await run_in_transaction(request)

        async def run_in_transaction(request: Request) -> Response:
            async with request.app.state.sessions() as session:
                request.state.session = session
                claim = idempotency.request_claim(request)
                if claim is not None:
                    replay = await _begin_with_retry(session, request, claim)
                    if replay is not None:
                        return replay
                response = await handle(request)
                if request.method not in MUTATING:
                    return response
                if response.status_code >= 400:
                    await session.rollback()
                    return response
                if claim is not None:
                    await idempotency.store(session, request, claim, response)
                await append_in_transaction(session, request, response)
                await session.commit()
                _crash_after_commit_hook(request)
                return response

        return run


async def _begin_with_retry(session, request: Request, claim: idempotency.Claim) -> Response | None:
    """The claim is the transaction's first statement: where a pooled connection that died
    shows. Nothing was done yet, so it is retried once on a fresh connection."""
    try:
        return await idempotency.begin(session, request, claim)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        await session.rollback()
    return await idempotency.begin(session, request, claim)


def _crash_after_commit_hook(request: Request) -> None:
    """The test hook of ``settings.crash_after_commit`` (local environment only)."""
    pattern = request.app.state.settings.crash_after_commit
    if pattern and re.search(pattern, request.url.path):
        os.kill(os.getpid(), signal.SIGKILL)


class ServiceRouter(APIRouter):
    """An ``APIRouter`` whose routes are :class:`TransactionalRoute` — the only router a
    service mounts (the app factory refuses others)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", TransactionalRoute)
        super().__init__(**kwargs)
