"""The consumer and the scanner survive what would otherwise stop them for good."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, DateTime, MetaData, Table, Uuid, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from enforcement_common.events import ConsumerRunner, DeadlineScanner, OutboxRelay
from enforcement_common.events.consumer import is_transient, known_fields
from enforcement_common.testing.events import (
    SOURCE,
    ExampleHappened,
    effects_count,
    fetch_effects,
    make_runner,
    wait_for,
    write_events,
)
from enforcement_common.testing.infra import terminate_connections


async def test_a_consumer_whose_broker_is_unreachable_keeps_retrying_instead_of_dying(sessions) -> None:
    runner = ConsumerRunner(
        service="case-service",
        bootstrap_servers="127.0.0.1:1",
        sessions=sessions,
        topics=["enforcement.units.v1"],
        min_backoff=0.05,
        max_backoff=0.1,
    )
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(2.0)
    assert not task.done(), "still trying"
    assert runner.metrics.restarts.labels(runner.group_id)._value.get() >= 2
    runner.stop()
    await asyncio.wait_for(task, 10)


@pytest.mark.unit
def test_transient_failures_include_pool_exhaustion_and_server_pressure() -> None:
    class Original(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    class Wrapped(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.orig = Original(sqlstate)

    assert is_transient(PoolTimeout("pool exhausted"))
    assert all(
        is_transient(Wrapped(state)) for state in ("08006", "53300", "57014", "57P01", "55P03", "40001", "40P01")
    )
    assert not any(is_transient(Wrapped(state)) for state in ("23505", "22021", "42P01"))
    assert not is_transient(ValueError("a bad event"))


@pytest.mark.unit
def test_fields_a_newer_producer_added_are_ignored_when_consuming() -> None:
    data = {"schema_version": 1, "aggregate_id": "a", "seq": 1, "added_later": "x"}
    assert known_fields(ExampleHappened, data) == {"schema_version": 1, "aggregate_id": "a", "seq": 1}


async def test_one_failing_item_does_not_stop_the_deadline_scanner(
    sessions: async_sessionmaker[AsyncSession], example
) -> None:
    items = Table(
        "deadline_items",
        MetaData(),
        Column("id", Uuid, primary_key=True),
        Column("due_at", DateTime(timezone=True)),
        Column("overdue_emitted_at", DateTime(timezone=True)),
    )
    now = datetime(2026, 11, 21, 12, tzinfo=UTC)
    ids = sorted(uuid.uuid4() for _ in range(5))
    async with sessions() as session, session.begin():
        for n, item_id in enumerate(ids):
            await session.execute(items.insert().values(id=item_id, due_at=now - timedelta(hours=5 - n)))
    bad = ids[0]

    async def on_due(session: AsyncSession, item_id, at: datetime):
        await session.execute(update(items).where(items.c.id == item_id).values(overdue_emitted_at=at))
        if item_id == bad:
            raise RuntimeError("this one cannot be built")
        return [example(aggregate_id=str(item_id), seq=0)]

    def due(at: datetime):
        return (
            select(items.c.id)
            .where(items.c.due_at <= at, items.c.overdue_emitted_at.is_(None))
            .order_by(items.c.due_at)
        )

    scanner = DeadlineScanner("robust", SOURCE, due, on_due, batch_size=2, clock=lambda: now)
    assert await scanner.scan_once(sessions) == 4
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM outbox")) == 4
        assert await session.scalar(select(items.c.overdue_emitted_at).where(items.c.id == bad)) is None, (
            "left for a later scan"
        )


async def test_database_connections_killed_under_the_relay_and_a_consumer_lose_and_dead_letter_nothing(
    engine, sessions, example, database, kafka_bootstrap_servers
) -> None:
    """The pool does not ping connections before use: a connection killed under the relay or a
    consumer fails one statement, which is retried as an outage, never blamed on the event."""
    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test", poll_interval=0.2)
    runner = make_runner(kafka_bootstrap_servers, sessions, example, group_id=f"g-{uuid.uuid4()}", max_attempts=1)
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(runner.run())]
    try:
        await write_events(sessions, example, [("k", 1), ("k", 2)])
        await wait_for(lambda: _effects_are(sessions, 2), 60, "the first two applied")
        await terminate_connections(database)
        try:  # the writer's own pooled connection died too: its first statement fails, a retry works
            await write_events(sessions, example, [("k", 3)])
        except DBAPIError as exc:
            assert exc.connection_invalidated
            await write_events(sessions, example, [("k", 3)])
        await write_events(sessions, example, [("k", 4)])
        await wait_for(lambda: _effects_are(sessions, 4), 60, "the next two applied after the connections died")
    finally:
        relay.stop()
        runner.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert [s for _, s, _ in await fetch_effects(sessions)] == [1, 2, 3, 4]
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM inbox WHERE outcome = 'dead_lettered'")) == 0


async def _effects_are(sessions, expected: int) -> bool:
    return await effects_count(sessions) == expected
