"""Which failures mean "the database is away" (503 ``service.database_unavailable``, retry)
and which are real failures or bad input (issue 15): pure, no server."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from enforcement_common.db import is_database_unavailable


def _wrapped(orig: BaseException, *, invalidated: bool = False) -> DBAPIError:
    return DBAPIError.instance("SELECT 1", {}, orig, Exception, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),  # server stopped
        ConnectionResetError(104, "Connection reset by peer"),
        OSError("Multiple exceptions: [Errno 111] …, [Errno 99] …"),  # every address refused
        TimeoutError(),  # asyncpg's connect timeout
        PoolTimeoutError("QueuePool limit of size 10 overflow 10 reached"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        _wrapped(Exception("connection is closed"), invalidated=True),
        _wrapped(asyncpg.exceptions.CannotConnectNowError("the database system is shutting down")),
    ],
    ids=repr,
)
def test_a_database_that_is_away_is_unavailable(error: BaseException) -> None:
    assert is_database_unavailable(error)


def test_the_cause_is_followed_through_wrappers() -> None:
    try:
        try:
            raise ConnectionRefusedError(111, "refused")
        except ConnectionRefusedError as inner:
            raise RuntimeError("while claiming the key") from inner
    except RuntimeError as outer:
        assert is_database_unavailable(outer)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT", {}, asyncpg.exceptions.UniqueViolationError("duplicate key")),
        OperationalError("SELECT", {}, asyncpg.exceptions.DeadlockDetectedError("deadlock detected")),
        _wrapped(asyncpg.exceptions.UndefinedTableError('relation "x" does not exist')),
        ValueError("bad input"),
        FileNotFoundError(2, "No such file"),
        KeyError("x"),
    ],
    ids=repr,
)
def test_a_refused_statement_or_a_bug_is_not_unavailability(error: BaseException) -> None:
    assert not is_database_unavailable(error)
