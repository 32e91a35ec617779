"""Hash-chained audit log of every mutating request, and its API for auditors.

Each POST/PUT/PATCH/DELETE is recorded — actor, roles, unit, method, path,
resource id, outcome status, time, correlation id — in the append-only
``audit_log`` table (a trigger refuses UPDATE and DELETE). Each row's ``hash``
covers its content and the previous row's hash, and writers take one advisory
lock, so the chain never forks. ``GET /api/v1/audit/verify`` recomputes the chain
and names the first row where an edit or a deletion broke it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import LargeBinary, bindparam, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from enforcement_common.api.idempotency import _caller_from
from enforcement_common.api.pagination import Page, PageParamsDep, check_range, paginate
from enforcement_common.api.problems import PROBLEM_CONTENT_TYPE
from enforcement_common.api.tables import audit_log
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller
from enforcement_common.db import retry_on_dead_connection
from enforcement_common.db import storable_text as _storable
from enforcement_common.observability import current_correlation_id

log = structlog.get_logger(__name__)

GENESIS = "0" * 64
AUDIT_LOCK = 730_002  # advisory lock key serialising writers of the chain
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str | None
    actor_name: str | None
    roles: list[str]
    unit_id: str | None
    method: str
    path: str
    resource_id: str | None
    status: int
    correlation_id: str | None

    def canonical(self) -> bytes:
        content = {
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": self.actor,
            "actor_name": self.actor_name,
            "roles": sorted(self.roles),
            "unit_id": self.unit_id,
            "method": self.method,
            "path": self.path,
            "resource_id": self.resource_id,
            "status": self.status,
            "correlation_id": self.correlation_id,
        }
        return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def chain_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + entry.canonical()).hexdigest()


async def append(engine: AsyncEngine, *entries: AuditEntry) -> None:
    """Append ``entries``, in order, to the chain in one transaction."""
    async with engine.begin() as connection:
        await _append_on(connection, *entries)


async def _append_on(connection: AsyncConnection, *entries: AuditEntry) -> None:
    """Append within the connection's transaction, under the chain's lock (held to its end)."""
    await connection.execute(_LOCK, {"key": AUDIT_LOCK})
    prev = await connection.scalar(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1))
    prev_hash = prev or GENESIS
    rows = []
    for entry in entries:
        digest = chain_hash(prev_hash, entry)
        rows.append(
            {
                **{field: getattr(entry, field) for field in AuditEntry.__dataclass_fields__},
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    # executemany, which SQLAlchemy sends as one multi-row INSERT (insertmanyvalues) whose
    # ids follow list order, so the links follow id order.
    await connection.execute(insert(audit_log), rows)


class AuditWriter:
    """Group commit for the chain's single writer (one per process).

    The chain is one sequence, so its writers take turns under one lock. Requests that
    finish while a batch is being written queue up, and the next writer appends all of
    them in one transaction: one lock, one read of the chain's head, one INSERT and one
    commit for the whole group. Each request still waits until its own entry is
    committed, so nothing is answered-and-forgotten that was not before. An entry the
    database refuses costs only itself: the group is then appended entry by entry.
    """

    def __init__(self, engine: AsyncEngine, max_batch: int = 500) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._queue: list[tuple[AuditEntry, asyncio.Future[None]]] = []
        self._turn = asyncio.Lock()
        self._in_flight: asyncio.Future[None] | None = None

    async def append(self, entry: AuditEntry) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((entry, done))
        while not done.done():
            async with self._turn:
                if self._in_flight is not None and not self._in_flight.done():
                    # A writer cancelled mid-write (client gone) left its batch running: the
                    # entry may be in it, and the chain's head moves only when it ends.
                    await asyncio.shield(self._in_flight)
                    continue
                if done.done():
                    break
                if not self._queue:  # every taken entry is resolved by its batch: cannot happen
                    raise RuntimeError("audit entry neither queued nor written")
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                # Shielded: a request cancelled meanwhile must not abort the others' entries.
                self._in_flight = asyncio.ensure_future(self._write(batch))
                await asyncio.shield(self._in_flight)
        await done

    async def _write(self, batch: list[tuple[AuditEntry, asyncio.Future[None]]]) -> None:
        try:
            await self._append_group(batch)
        except BaseException as exc:  # whatever happened, no request is left waiting
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc if isinstance(exc, Exception) else RuntimeError("audit write cancelled"))
            if not isinstance(exc, Exception):
                raise

    async def _append_group(self, batch: list[tuple[AuditEntry, asyncio.Future[None]]]) -> None:
        try:
            await self._append(*(entry for entry, _ in batch))
        except DBAPIError:
            if len(batch) == 1:
                raise
            for entry, done in batch:  # find the refused entry; the others are recorded
                try:
                    await self._append(entry)
                except Exception as exc:
                    done.set_exception(exc)
                else:
                    done.set_result(None)
        else:
            for _, done in batch:
                done.set_result(None)

    async def _append(self, *entries: AuditEntry) -> None:
        await retry_on_dead_connection(lambda: append(self.engine, *entries))


class ChainReport(BaseModel):
    valid: bool
    count: int
    first_bad_id: int | None
    reason: str | None = None


async def verify(engine: AsyncEngine, batch: int = 5000) -> ChainReport:
    """Walk the chain in id order; report the first row whose hash or link does not hold."""
    expected_prev = GENESIS
    count = 0
    last_id = 0
    async with engine.connect() as connection:
        while True:
            rows = (
                await connection.execute(
                    select(audit_log).where(audit_log.c.id > last_id).order_by(audit_log.c.id).limit(batch)
                )
            ).all()
            if not rows:
                return ChainReport(valid=True, count=count, first_bad_id=None)
            for row in rows:
                count += 1
                entry = AuditEntry(**{field: getattr(row, field) for field in AuditEntry.__dataclass_fields__})
                if row.prev_hash != expected_prev:
                    return ChainReport(
                        valid=False,
                        count=count,
                        first_bad_id=row.id,
                        reason="link broken: a row before it was deleted or changed",
                    )
                if chain_hash(row.prev_hash, entry) != row.hash:
                    return ChainReport(
                        valid=False, count=count, first_bad_id=row.id, reason="content does not match its hash"
                    )
                expected_prev = row.hash
                last_id = row.id


#: The actor recorded for a request under a path whose callers are protected (see below).
WITHHELD = "withheld"


def _actor_withheld(scope: Scope) -> bool:
    """True under a path prefix the app lists in ``app.state.audit_actor_withheld``: a register
    whose writers the rules protect (a recorder of interference, INT-9; a petitioner, TOL-19) —
    their identity stays in the service's own table, readable by whom the rule says, and the
    audit entry keeps the rest (roles, unit, path, outcome, time)."""
    app = scope.get("app")
    prefixes = getattr(getattr(app, "state", None), "audit_actor_withheld", ()) if app is not None else ()
    return any(scope["path"].startswith(prefix) for prefix in prefixes)


def _entry(scope: Scope, caller: Caller | None, status: int, body: bytes) -> AuditEntry:
    withheld = caller is not None and _actor_withheld(scope)
    return AuditEntry(
        at=datetime.now(UTC),
        actor=WITHHELD if withheld else _storable(caller.sub) if caller else None,
        actor_name=None if withheld else _storable(caller.name) if caller else None,
        roles=sorted(_storable(role) for role in caller.roles) if caller else [],
        unit_id=str(caller.unit_id) if caller and caller.unit_id else None,
        method=scope["method"],
        path=_storable(scope["path"]),
        resource_id=_storable(_resource_id(scope, body, status)),
        status=status,
        correlation_id=_storable(current_correlation_id()),
    )


#: One entry appended at the chain's head in one statement, its hash computed by PostgreSQL
#: exactly as :func:`chain_hash` does: sha256 of the previous hash, a newline and the entry's
#: canonical JSON. Run with the chain's lock held: the statement's snapshot is taken after
#: the lock was granted, so the head it reads is the last committed one.
_APPEND_ONE = text(
    """
    WITH head AS MATERIALIZED (
        SELECT coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), :genesis) AS prev_hash
    )
    INSERT INTO audit_log (at, actor, actor_name, roles, unit_id, method, path, resource_id, status,
                           correlation_id, prev_hash, hash)
    SELECT :at, :actor, :actor_name, :roles, :unit_id, :method, :path, :resource_id, :status, :correlation_id,
           head.prev_hash, encode(sha256(convert_to(head.prev_hash, 'UTF8') || '\\x0a'::bytea || :canonical), 'hex')
    FROM head
    """
).bindparams(
    bindparam("at", type_=audit_log.c.at.type),
    bindparam("roles", type_=audit_log.c.roles.type),
    bindparam("status", type_=audit_log.c.status.type),
    bindparam("canonical", type_=LargeBinary),
)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


async def append_in_transaction(session: AsyncSession, request: Request, response: Response) -> None:
    """The request's entry, appended inside the route's transaction (committed with the
    write it records). The chain's lock is held from here to the commit, so routes append
    last, just before committing — in two statements: the lock, then the entry linked to
    the head (read and written in one statement, :data:`_APPEND_ONE`)."""
    caller = getattr(request.state, "caller", None)
    entry = _entry(request.scope, caller, response.status_code, bytes(getattr(response, "body", b"") or b""))
    connection = await session.connection()
    await connection.execute(_LOCK, {"key": AUDIT_LOCK})
    await connection.execute(
        _APPEND_ONE,
        {
            **{field: getattr(entry, field) for field in AuditEntry.__dataclass_fields__},
            "genesis": GENESIS,
            "canonical": entry.canonical(),
        },
    )
    request.state.audited = True  # the middleware records nothing more


class AuditMiddleware:
    """Records every mutating request that a route's transaction did not record itself:
    refusals (4xx — including those answered before any route, like 401, 413 and 415),
    replays and failures. Nothing was changed by those, so the entry is appended on its
    own (group commit), after the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in MUTATING:
            await self.app(scope, receive, send)
            return
        status = 500
        head = bytearray()

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and len(head) < 65536:
                head.extend(message.get("body", b"")[: 65536 - len(head)])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            if not scope.get("state", {}).get("audited"):
                entry = _entry(scope, await _caller_from(scope), status, bytes(head))
                try:
                    await scope["app"].state.audit_writer.append(entry)
                except Exception as exc:  # never hide the response; but shout
                    log.error("audit_append_failed", error=repr(exc), method=entry.method, path=entry.path)


def _resource_id(scope: Scope, body: bytes, status: int) -> str | None:
    """The object acted on: the last path parameter, else the ``id`` of a created resource."""
    params = scope.get("path_params") or {}
    if params:
        return str(list(params.values())[-1])
    if 200 <= status < 300 and body[:1] == b"{":
        try:
            value = json.loads(body).get("id")
        except (ValueError, AttributeError):
            return None
        return str(value) if value is not None else None
    return None


class AuditRecord(BaseModel):
    id: int
    at: datetime
    actor: str | None
    actor_name: str | None
    roles: list[str]
    unit_id: str | None
    method: str
    path: str
    resource_id: str | None
    status: int
    correlation_id: str | None
    prev_hash: str
    hash: str


AuditorDep = Annotated[Caller, Depends(require_roles("auditor"))]
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid token", "content": {PROBLEM_CONTENT_TYPE: {}}},
    403: {"description": "Not an auditor", "content": {PROBLEM_CONTENT_TYPE: {}}},
}


def audit_router() -> APIRouter:
    router = APIRouter(prefix="/audit", tags=["audit"], responses=_PROBLEMS)

    @router.get("", response_model=Page[AuditRecord], summary="Audit log of mutating requests")
    async def list_audit(
        request: Request,
        _: AuditorDep,
        page: PageParamsDep,
        actor: Annotated[str | None, Query(max_length=200)] = None,
        method: Annotated[str | None, Query(pattern="^(POST|PUT|PATCH|DELETE)$")] = None,
        path_prefix: Annotated[str | None, Query(max_length=500)] = None,
        resource_id: Annotated[str | None, Query(max_length=200)] = None,
        status: Annotated[int | None, Query(ge=100, le=599)] = None,
        at_from: Annotated[datetime | None, Query()] = None,
        at_to: Annotated[datetime | None, Query()] = None,
    ) -> Page[AuditRecord]:
        check_range("at", at_from, at_to)
        statement = select(audit_log)
        for column, value in (
            (audit_log.c.actor, actor),
            (audit_log.c.method, method),
            (audit_log.c.resource_id, resource_id),
            (audit_log.c.status, status),
        ):
            if value is not None:
                statement = statement.where(column == value)
        if path_prefix:
            statement = statement.where(audit_log.c.path.startswith(path_prefix, autoescape=True))
        if at_from:
            statement = statement.where(audit_log.c.at >= at_from)
        if at_to:
            statement = statement.where(audit_log.c.at <= at_to)
        async with request.app.state.sessions() as session:
            rows, next_cursor = await paginate(session, statement, [audit_log.c.id], page, scalars=False)
        return Page[AuditRecord](items=[AuditRecord(**row._mapping) for row in rows], next_cursor=next_cursor)

    @router.get("/verify", response_model=ChainReport, summary="Recompute the hash chain")
    async def verify_audit(request: Request, _: AuditorDep) -> ChainReport:
        return await verify(request.app.state.engine)

    return router
