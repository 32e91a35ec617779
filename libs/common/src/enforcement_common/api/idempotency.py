"""``Idempotency-Key`` on POST: a retried request gets the first response, not a second effect.

Provincial platforms retry. For a POST carrying the header, the first request
claims ``(caller, key)``; its response (status, headers that matter, exact body
bytes) is stored until the key expires. Then:

* same key, same request (method, path, query, body) ⇒ the stored response,
  byte-identical, with ``Idempotent-Replayed: true``;
* same key, another request ⇒ 422 ``idempotency.key_reused``;
* same key while the first is still being processed ⇒ 409 ``idempotency.in_flight``.

A 5xx response is not stored (the claim is released so the client can retry).
The key is scoped to the verified caller (``sub``); a request whose token does not
verify passes through untouched and the route answers 401.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from enforcement_common.api.problems import ProblemError, database_unavailable, problem_response
from enforcement_common.api.tables import idempotency_keys
from enforcement_common.auth.dependencies import current_caller
from enforcement_common.db import retry_on_dead_connection

log = structlog.get_logger(__name__)

_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
#: Response headers replayed with the body (others, like dates and correlation ids, are per response).
_REPLAYED_HEADERS = {"content-type", "location", "etag", "content-language"}


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


class IdempotencyMiddleware:
    def __init__(
        self, app: ASGIApp, ttl: timedelta = timedelta(hours=24), lease: timedelta = timedelta(minutes=5)
    ) -> None:
        self.app = app
        self.ttl = ttl
        #: An in-flight claim expires after this, so a crash mid-request does not block retries for the whole TTL.
        self.lease = min(lease, ttl)

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
        engine = scope["app"].state.engine
        try:
            claim = await retry_on_dead_connection(lambda: self._claim(engine, caller.sub, key, digest))
        except DBAPIError as exc:  # the database is unreachable: nothing was done, say so
            if not exc.connection_invalidated and not isinstance(exc, OperationalError | InterfaceError):
                raise
            log.warning("idempotency_claim_failed", error=repr(exc))
            await database_unavailable(Request(scope))(scope, receive, send)
            return
        if claim is not None:
            await claim(scope, receive, send)
            return

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

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            await retry_on_dead_connection(lambda: self._release(engine, caller.sub, key))
            raise
        if status >= 500:
            await retry_on_dead_connection(lambda: self._release(engine, caller.sub, key))
            return
        kept = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in headers
            if k.decode("latin-1").lower() in _REPLAYED_HEADERS
        }
        # Retried on a dead connection: were the response not stored, the key would be free
        # again once its lease expired, and a late retry would repeat the effect.
        await retry_on_dead_connection(lambda: self._store(engine, caller.sub, key, status, kept, b"".join(chunks)))

    async def _store(self, engine, caller: str, key: str, status: int, headers: dict[str, str], body: bytes) -> None:
        async with engine.begin() as connection:
            await connection.execute(
                update(idempotency_keys)
                .where(idempotency_keys.c.caller == caller, idempotency_keys.c.key == key)
                .values(
                    state="done", status=status, headers=headers, body=body, expires_at=datetime.now(UTC) + self.ttl
                )
            )

    async def _claim(self, engine, caller: str, key: str, digest: str):
        """None when this request claimed the key; otherwise the response to give instead."""
        now = datetime.now(UTC)
        for _ in range(2):
            async with engine.begin() as connection:
                claimed = await connection.execute(
                    insert(idempotency_keys)
                    .values(caller=caller, key=key, request_hash=digest, state="in_flight", expires_at=now + self.lease)
                    .on_conflict_do_nothing()
                    .returning(idempotency_keys.c.key)
                )
                if claimed.first() is not None:
                    return None
                row = (
                    await connection.execute(
                        select(idempotency_keys).where(
                            idempotency_keys.c.caller == caller, idempotency_keys.c.key == key
                        )
                    )
                ).first()
                if row is None or row.expires_at <= now:
                    # expired (or released meanwhile): forget it and claim afresh
                    await connection.execute(
                        delete(idempotency_keys).where(
                            idempotency_keys.c.caller == caller, idempotency_keys.c.key == key
                        )
                    )
                    continue
            if row.request_hash != digest:
                return _problem(422, "idempotency.key_reused", "This Idempotency-Key was used for a different request.")
            if row.state != "done":
                return _problem(
                    409,
                    "idempotency.in_flight",
                    "A request with this Idempotency-Key is still being processed; retry later.",
                )
            return _replay(row)
        return _problem(
            409, "idempotency.in_flight", "A request with this Idempotency-Key is still being processed; retry later."
        )

    @staticmethod
    async def _release(engine, caller: str, key: str) -> None:
        async with engine.begin() as connection:
            await connection.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.caller == caller,
                    idempotency_keys.c.key == key,
                    idempotency_keys.c.state == "in_flight",
                )
            )


def _problem(status: int, code: str, detail: str):
    async def respond(scope: Scope, receive: Receive, send: Send) -> None:
        await problem_response(Request(scope), status, code, detail)(scope, receive, send)

    return respond


def _replay(row):
    async def respond(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (row.headers or {}).items()]
        headers += [(b"idempotent-replayed", b"true"), (b"content-length", str(len(row.body or b"")).encode())]
        await send({"type": "http.response.start", "status": row.status, "headers": headers})
        await send({"type": "http.response.body", "body": row.body or b""})

    return respond


async def purge_expired(engine) -> int:
    async with engine.begin() as connection:
        result = await connection.execute(
            delete(idempotency_keys).where(idempotency_keys.c.expires_at < datetime.now(UTC))
        )
        return result.rowcount
