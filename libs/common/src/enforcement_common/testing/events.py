"""Helpers for tests of event flows on the real test PostgreSQL and Kafka.

They assume the example schema of ``libs/common/tests/events`` (an ``effects`` table
written by :func:`record_effect`) and drive relays and consumers to completion.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Literal

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import ConsumerRecord
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from enforcement_common.contracts import EventData
from enforcement_common.events import ConsumerRunner, OutboxRelay, ReceivedEvent, add_event

SOURCE = "events-test"


class ExampleHappened(EventData):
    """The example event of these tests; bind ``topic`` with :func:`bind_topic`."""

    register: ClassVar[bool] = False
    type: ClassVar[str] = "example.happened"
    topic: ClassVar[str] = "unbound"
    subject_field: ClassVar[str] = "aggregate_id"
    schema_version: Literal[1] = 1
    aggregate_id: str
    seq: int


def bind_topic(topic: str) -> type[ExampleHappened]:
    return type("ExampleHappenedHere", (ExampleHappened,), {"topic": topic, "__module__": __name__})


async def create_topic(bootstrap: str, partitions: int = 3) -> str:
    name = f"test.events.{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()
    return name


async def write_events(
    sessions: async_sessionmaker[AsyncSession], model: type[ExampleHappened], items: list[tuple[str, int]]
) -> None:
    """One transaction per event: (aggregate_id, seq) in the given order."""
    for aggregate_id, seq in items:
        async with sessions() as session, session.begin():
            await add_event(session, model(aggregate_id=aggregate_id, seq=seq), source=SOURCE)


async def record_effect(session: AsyncSession, event: ReceivedEvent[Any], consumer: str = "main") -> None:
    await session.execute(
        text(
            "INSERT INTO effects (event_id, aggregate_id, seq, consumer, correlation_id, causation_id) "
            "VALUES (:event_id, :aggregate_id, :seq, :consumer, :correlation_id, :causation_id)"
        ),
        {
            "event_id": event.envelope.id,
            "aggregate_id": event.data.aggregate_id,
            "seq": event.data.seq,
            "consumer": consumer,
            "correlation_id": event.envelope.correlationid,
            "causation_id": event.envelope.causationid,
        },
    )


def make_runner(
    bootstrap: str,
    sessions: async_sessionmaker[AsyncSession],
    model: type[ExampleHappened],
    *,
    group_id: str,
    handler: Callable[[AsyncSession, ReceivedEvent[Any]], Awaitable[None]] = record_effect,
    **options: Any,
) -> ConsumerRunner:
    runner = ConsumerRunner(
        service="case-service",
        bootstrap_servers=bootstrap,
        sessions=sessions,
        topics=[model.topic],
        group_id=group_id,
        min_backoff=0.05,
        max_backoff=0.5,
        **options,
    )
    runner.on(model)(handler)
    return runner


async def fetch_effects(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, int, uuid.UUID]]:
    async with sessions() as session:
        rows = await session.execute(text("SELECT aggregate_id, seq, event_id FROM effects ORDER BY id"))
        return [tuple(row) for row in rows]


async def wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what}: not reached within {timeout} s")


async def effects_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return (await session.execute(text("SELECT count(*) FROM effects"))).scalar_one()


async def pending_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return (await session.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))).scalar_one()


async def drain(relay: OutboxRelay, sessions: async_sessionmaker[AsyncSession], timeout: float = 60) -> None:
    """Publish until nothing is pending (retrying through failures)."""
    deadline = time.monotonic() + timeout
    while await pending_count(sessions):
        assert time.monotonic() < deadline, "outbox not drained in time"
        try:
            await relay.publish_pending()
        except Exception:
            await relay._discard_producer()
            await asyncio.sleep(0.2)


async def read_topic(
    bootstrap: str,
    topic: str,
    expected: int,
    timeout: float = 30,
    until: Callable[[list[ConsumerRecord]], bool] | None = None,
) -> list[ConsumerRecord]:
    """Every record of ``topic`` from the beginning, once ``expected`` arrived (or ``until`` holds)."""
    done = until or (lambda records: len(records) >= expected)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p)
            for p in (consumer.partitions_for_topic(topic) or await _partitions(consumer, topic))
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout
        while not done(records) and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


def per_key_sequences(items: list[tuple[str, int]]) -> dict[str, list[int]]:
    sequences: dict[str, list[int]] = {}
    for key, seq in items:
        sequences.setdefault(key, []).append(seq)
    return sequences
