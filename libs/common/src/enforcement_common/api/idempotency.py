"""``Idempotency-Key`` on POST: a retried request gets the first response, not a second effect.

Provincial platforms retry. For a POST carrying the header, the response (status,
headers that matter, exact body bytes) is stored under ``(caller, key)`` until the
key expires. Then:

* same key, same request (method, path, query, body) ⇒ the stored response,
  byte-identical, with ``Idempotent-Replayed: true``;
* same key, another request ⇒ 422 ``idempotency.key_reused``;
* same key while the first is still being processed ⇒ 409 ``idempotency.in_flight``.

**Atomic with the effect.** The route's transaction (``api.transaction``) takes the key
first — a transaction-scoped advisory lock, so a concurrent duplicate sees it held and a
crashed process holds nothing — and writes the stored response in the same transaction
as the effect, before the response leaves. A completed request is therefore always
replayed, and a crash at any point leaves either no effect and a free key, or both.
Refusals (4xx) changed nothing and are stored afterwards by the middleware; a 5xx is
not stored, so the client can retry. The key is scoped to the verified caller
(``sub``); a request whose token does not verify passes through and the route answers 401.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from enforcement_common.api.problems import ProblemError, problem_response
from enforcement_common.api.tables import idempotency_keys
from enforcement_common.auth.dependencies import current_caller
from enforcement_common.db import is_database_unavailable, retry_on_dead_connection

log = structlog.get_logger(__name__)

_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
#: Response headers replayed with the body (others, like dates and correlation ids, are per response).
_REPLAYED_HEADERS = {"content-type", "location", "etag", "content-language"}
_IN_FLIGHT = "A request with this Idempotency-Key is still being processed; retry later."
#: Seed of the key's advisory-lock hash (keeps these locks apart from other advisory locks).
_LOCK_SEED = 730_003


async def _caller_from(scope: Scope):
    """The verified caller (None when the token does not verify), cached in request.state
    for the route's own dependency."""
    try:
        return await current_caller(Request(scope))
    except ProblemError:
        return None


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None when the client went away before sending all of it."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


@dataclass(frozen=True)
class Claim:
    """What the middleware learnt of a POST carrying ``Idempotency-Key``, for the route."""

    caller: str
    key: str
    digest: str
    ttl: timedelta


_CLAIM = "idempotency_claim"
_STORED = "idempotency_stored"
_CHECKED = "idempotency_checked"


def request_claim(request: Request) -> Claim | None:
    """The request's claim (None without ``Idempotency-Key`` or a verified caller)."""
    return getattr(request.state, _CLAIM, None)


async def begin(session: AsyncSession, request: Request, claim: Claim) -> Response | None:
    """First statements of the route's transaction: None when the request may go on (the
    key is then held until the transaction ends); otherwise the response to give instead —
    the stored one (replay), 422 for another request under the key, 409 while another
    transaction holds it (a truly concurrent duplicate)."""
    held = await session.scalar(
        select(func.pg_try_advisory_xact_lock(func.hashtextextended(claim.caller + "\x1f" + claim.key, _LOCK_SEED)))
    )
    if not held:
        raise ProblemError(409, "idempotency.in_flight", _IN_FLIGHT)
    setattr(request.state, _CHECKED, True)
    row = (
        await session.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.caller == claim.caller, idempotency_keys.c.key == claim.key
            )
        )
    ).first()
    if row is not None and row.expires_at <= datetime.now(UTC):
        await session.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.caller == claim.caller, idempotency_keys.c.key == claim.key
            )
        )
        row = None
    if row is not None and row.request_hash != claim.digest:
        setattr(request.state, _CHECKED, False)
        raise ProblemError(422, "idempotency.key_reused", "This Idempotency-Key was used for a different request.")
    if row is not None and row.state == "done":
        setattr(request.state, _CHECKED, False)
        return replay_response(row)
    if row is not None:  # an in-flight claim of the previous (middleware-held) scheme: its holder is gone
        await session.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.caller == claim.caller, idempotency_keys.c.key == claim.key
            )
        )
    return None


async def store(session: AsyncSession, request: Request, claim: Claim, response: Response) -> None:
    """The response, stored in the route's transaction (committed with the effect)."""
    body = getattr(response, "body", None)
    if body is None:  # a streamed response cannot be replayed byte for byte: not stored
        return
    await session.execute(
        insert(idempotency_keys)
        .values(_row(claim, response.status_code, dict(response.headers), bytes(body)))
        .on_conflict_do_nothing()
    )
    setattr(request.state, _STORED, True)  # the middleware then stores nothing more


def _row(claim: Claim, status: int, headers: dict[str, str], body: bytes) -> dict:
    return {
        "caller": claim.caller,
        "key": claim.key,
        "request_hash": claim.digest,
        "state": "done",
        "status": status,
        "headers": {k: v for k, v in headers.items() if k.lower() in _REPLAYED_HEADERS},
        "body": body,
        "expires_at": datetime.now(UTC) + claim.ttl,
    }


class IdempotencyMiddleware:
    """Validates the key, reads the body once, and hands the claim to the route (which
    checks and stores it inside its transaction). A refusal that rolled the route's
    transaction back (4xx) is stored here, so a retry gets the same answer."""

    def __init__(self, app: ASGIApp, ttl: timedelta = timedelta(hours=24)) -> None:
        self.app = app
        self.ttl = ttl

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"idempotency-key"), None)
        if key is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if not _VALID_KEY.match(key):
            await problem_response(
                request, 422, "idempotency.invalid_key", "Idempotency-Key must be 1–255 visible ASCII characters."
            )(scope, receive, send)
            return
        caller = await _caller_from(scope)
        if caller is None:  # not authenticated: nothing to scope the key to; the route answers 401
            await self.app(scope, receive, send)
            return

        body = await _read_body(receive)
        if body is None:  # a partial upload claims nothing: the client's retry must find the key free
            return
        digest = hashlib.sha256(
            b"\0".join([scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()
        claim = Claim(caller=caller.sub, key=key, digest=digest, ttl=self.ttl)
        state = scope.setdefault("state", {})
        state[_CLAIM] = claim

        sent_body = False

        async def replay_body() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, replay_body, capture)
        # Stored here: a refusal (4xx) by a route that checked the key (its transaction was
        # rolled back). Not a replay, not a 409/422 about the key itself, not a 5xx.
        if state.get(_STORED) or not state.get(_CHECKED) or not 400 <= status < 500:
            return
        kept = {k.decode("latin-1"): v.decode("latin-1") for k, v in headers}
        engine = scope["app"].state.engine
        try:
            await retry_on_dead_connection(lambda: self._store_refusal(engine, claim, status, kept, b"".join(chunks)))
        except Exception as exc:  # the refusal changed nothing: a retry simply runs again
            if not (isinstance(exc, DBAPIError) or is_database_unavailable(exc)):
                raise
            log.warning("idempotency_refusal_not_stored", error=repr(exc))

    @staticmethod
    async def _store_refusal(engine, claim: Claim, status: int, headers: dict[str, str], body: bytes) -> None:
        async with engine.begin() as connection:
            await connection.execute(
                insert(idempotency_keys).values(_row(claim, status, headers, body)).on_conflict_do_nothing()
            )


def replay_response(row) -> Response:
    """The stored response, byte for byte, marked as a replay."""
    headers = dict(row.headers or {})
    headers["idempotent-replayed"] = "true"
    return Response(content=row.body or b"", status_code=row.status, headers=headers)


async def purge_expired(engine) -> int:
    async with engine.begin() as connection:
        result = await connection.execute(
            delete(idempotency_keys).where(idempotency_keys.c.expires_at < datetime.now(UTC))
        )
        return result.rowcount
