"""What a route declares: who may call it.

    @router.get("/cases/{case_id}")
    async def read_case(case_id: UUID, caller: Annotated[Caller, Depends(require_roles("officer", "unit_leader"))]): ...

An authenticated caller without one of the roles gets 403 ``auth.forbidden``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from enforcement_common.api.problems import ProblemError
from enforcement_common.auth.jwt import Caller

# Only for the OpenAPI document (the lock in /docs); verification is ours.
bearer_scheme = HTTPBearer(auto_error=False, description="JWT with the claims of CONTRACT.md")


async def current_caller(request: Request) -> Caller:
    """The verified caller, cached in request.state (the idempotency and audit middlewares
    verify the token first on mutating requests)."""
    cached = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    refused = getattr(request.state, "auth_refused", None)
    if refused is not None:  # verified once already, in vain: no second verification (nor key fetch)
        raise refused
    try:
        caller = await request.app.state.token_verifier.verify_header_async(request.headers.get("authorization"))
    except ProblemError as exc:
        request.state.auth_refused = exc
        raise
    request.state.caller = caller
    return caller


def require_roles(*roles: str) -> Callable[..., Caller]:
    """Dependency: a verified caller holding at least one of ``roles`` (any role when none given)."""
    allowed = frozenset(roles)

    # async: a plain def dependency would be run in the thread pool, a thread hop per request.
    async def dependency(
        request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)]
    ) -> Caller:
        caller = await current_caller(request)
        if allowed and not caller.has_any(allowed):
            raise ProblemError(
                403, "auth.forbidden", f"This action requires one of the roles: {', '.join(sorted(allowed))}."
            )
        return caller

    dependency.__name__ = f"require_{'_or_'.join(sorted(allowed)) or 'caller'}"
    return dependency
