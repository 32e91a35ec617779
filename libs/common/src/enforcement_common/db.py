"""Database engine and session factory for a service's own PostgreSQL database."""

from __future__ import annotations

import errno
import socket
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

T = TypeVar("T")


def create_engine(url: str, *, pool_size: int = 10, application_name: str = "") -> AsyncEngine:
    """An asyncpg engine.

    No pre-ping: with asyncpg it costs three round trips (BEGIN, a query, ROLLBACK) on every
    checkout, more than a typical command's own statements. Disconnects are handled
    optimistically instead: the statement that meets a dead connection fails, SQLAlchemy
    then invalidates every pooled connection of that age, and the request answers 503
    ``service.database_unavailable`` (retryable; see ``problems``), the next one gets a fresh
    connection. Consumers, the relay and scanners retry by themselves."""
    connect_args = {"server_settings": {"application_name": application_name}} if application_name else {}
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_timeout=10,
        connect_args=connect_args,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions that keep loaded objects usable after commit (responses are built after it)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    """Round-trip one query; raises when the database cannot be reached."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def retry_on_dead_connection(operation: Callable[[], Awaitable[T]]) -> T:
    """Run ``operation`` (which opens its own transactions), once more if it met a pooled
    connection that had died (the pool is refreshed by then). For the platform's own
    bookkeeping around a request — idempotency keys, the audit chain — whose first
    statement is where a dead connection shows, before anything was done."""
    try:
        return await operation()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    return await operation()


#: SQLSTATEs of a server that is not there for us: class 08 (connection exception), and the
#: server shutting down (57P01 admin, 57P02 crash), starting up (57P03) or full (53300).
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")
_UNAVAILABLE_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EPIPE,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
}


def is_database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says the database cannot be reached right now —
    refused, starting up, shutting down, a connection that died, a pool that gave no
    connection in time — as opposed to a statement the database refused. Such a failure
    is answered 503 ``service.database_unavailable`` with Retry-After (never a 500) and
    passes by itself: the pool reconnects on the next checkout."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, PoolTimeoutError | ConnectionError | TimeoutError | socket.gaierror):
            return True
        if isinstance(error, OSError) and (error.errno in _UNAVAILABLE_ERRNOS or error.errno is None):
            return True  # errno None: asyncpg's "Multiple exceptions" of every address refusing
        state = getattr(error, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        if type(error).__name__ in {"ConnectionDoesNotExistError", "InterfaceError"} and "closed" in str(error):
            return True  # asyncpg: "connection is closed" / "connection was closed in the middle of operation"
        pending.extend((getattr(error, "orig", None), error.__cause__, error.__context__))
    return False


def storable_text(value: str | None) -> str | None:
    """``value`` as PostgreSQL text can hold it: what it cannot is kept escaped rather than
    refused — NUL (a path like ``/x%00``) as U+FFFD, a lone UTF-16 surrogate (a JSON
    string such as a token's ``name`` may carry one) as its ``\\udXXX`` escape."""
    if value is None:
        return None
    return value.replace("\x00", "\ufffd").encode("utf-8", "backslashreplace").decode("utf-8")
