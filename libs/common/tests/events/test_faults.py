"""The event machinery under faults, on the real test PostgreSQL and Kafka:
a relay killed mid-flight, Kafka stopped and restarted, rebalances, slow handlers."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from enforcement_common.events import OutboxRelay, decode_envelope
from enforcement_common.testing.events import (
    ExampleHappened,
    drain,
    effects_count,
    make_runner,
    pending_count,
    read_topic,
    record_effect,
    wait_for,
    write_events,
)
from enforcement_common.testing.infra import BrokerControl

HERE = Path(__file__).resolve().parent


async def effects_by_key(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[int]]:
    async with sessions() as session:
        rows = (await session.execute(text("SELECT aggregate_id, seq FROM effects ORDER BY id"))).all()
    result: dict[str, list[int]] = {}
    for key, seq in rows:
        result.setdefault(key, []).append(seq)
    return result


async def distinct_effects(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sessions() as session:
        return tuple((await session.execute(text("SELECT count(*), count(DISTINCT event_id) FROM effects"))).one())


async def consume_all(bootstrap, sessions, example, expected: int, timeout: float = 90, **options) -> None:
    runner = make_runner(bootstrap, sessions, example, group_id=f"g-{uuid.uuid4()}", **options)
    task = asyncio.create_task(runner.run())
    try:
        await wait_for(lambda: _at_least(sessions, expected), timeout, f"{expected} effects")
        await asyncio.sleep(0.5)  # any double application would show up now
    finally:
        runner.stop()
        await task


async def _at_least(sessions, expected: int) -> bool:
    return await effects_count(sessions) >= expected


def grid(keys: int, per_key: int) -> list[tuple[str, int]]:
    """Events interleaved across keys, each key's seq increasing: k0:0, k1:0, …, k0:1, …"""
    return [(f"k{k}", seq) for seq in range(per_key) for k in range(keys)]


@pytest.mark.timeout(180)
async def test_relay_killed_between_publishing_and_marking_loses_nothing_and_applies_once(
    database: str,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
) -> None:
    items = grid(5, 10)
    await write_events(sessions, example, items)
    script = str(HERE / "crashing_relay.py")
    crashed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, script, database, kafka_bootstrap_servers],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.returncode == -9, crashed.stderr
    assert crashed.stdout.strip() == "published 50"
    assert await pending_count(sessions) == 50, "nothing marked: the kill came before the mark"
    assert len(await read_topic(kafka_bootstrap_servers, example.topic, 50)) == 50, "yet Kafka has them all"

    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test")
    await drain(relay, sessions)
    await relay._discard_producer()
    assert len(await read_topic(kafka_bootstrap_servers, example.topic, 100)) == 100, "republished: at least once"

    await consume_all(kafka_bootstrap_servers, sessions, example, 50)
    assert await distinct_effects(sessions) == (50, 50)
    assert await effects_by_key(sessions) == {f"k{k}": list(range(10)) for k in range(5)}


@pytest.mark.broker_control
@pytest.mark.timeout(300)
async def test_kafka_stopped_while_1000_events_are_written_all_arrive_in_per_key_order(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
    broker_control: BrokerControl,
) -> None:
    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test", poll_interval=0.2, max_backoff=1.0)
    relay_task = asyncio.create_task(relay.run())
    try:
        await write_events(sessions, example, [("warm-up", 0)])
        await wait_for(lambda: _none_pending(sessions), 30, "warm-up published")
        await asyncio.to_thread(broker_control.stop)
        down_since = asyncio.get_running_loop().time()
        items = grid(50, 20)
        for chunk in range(0, len(items), 50):
            await write_events(sessions, example, items[chunk : chunk + 50])
        assert await pending_count(sessions) == 1000, "nothing can be published while Kafka is down"
        await asyncio.sleep(max(0.0, 10 - (asyncio.get_running_loop().time() - down_since)))
        await asyncio.to_thread(broker_control.start)
        await wait_for(lambda: _none_pending(sessions), 120, "outbox drained after Kafka returned")
    finally:
        relay.stop()
        await relay_task
    records = await read_topic(kafka_bootstrap_servers, example.topic, 1001)
    published = {}
    for record in records:
        data = decode_envelope(record.value).data
        published.setdefault(data["aggregate_id"], []).append(data["seq"])
    published.pop("warm-up")
    assert {key: sorted(set(seqs)) for key, seqs in published.items()} == {f"k{k}": list(range(20)) for k in range(50)}
    for key, seqs in published.items():  # Kafka itself holds each key in order (duplicates only as repeats)
        assert seqs == sorted(seqs), key

    await consume_all(kafka_bootstrap_servers, sessions, example, 1001)
    assert await distinct_effects(sessions) == (1001, 1001)
    by_key = await effects_by_key(sessions)
    assert all(by_key[f"k{k}"] == list(range(20)) for k in range(50))


async def _none_pending(sessions) -> bool:
    return await pending_count(sessions) == 0


@pytest.mark.broker_control
@pytest.mark.timeout(300)
async def test_broker_restarted_while_relay_produces_recovers_by_itself_and_loses_nothing(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
    broker_control: BrokerControl,
) -> None:
    items = grid(20, 100)
    await write_events(sessions, example, items)
    relay = OutboxRelay(
        engine, kafka_bootstrap_servers, service="events-test", batch_size=40, poll_interval=0.2, max_backoff=1.0
    )
    relay_task = asyncio.create_task(relay.run())
    try:
        await wait_for(lambda: _published_at_least(sessions, 200), 60, "relay producing")
        await asyncio.to_thread(broker_control.stop)
        await asyncio.to_thread(broker_control.start)
        await wait_for(lambda: _none_pending(sessions), 120, "outbox drained after the restart")
        assert not relay_task.done(), "the relay kept running through the restart"
    finally:
        relay.stop()
        await relay_task
    await consume_all(kafka_bootstrap_servers, sessions, example, 2000)
    assert await distinct_effects(sessions) == (2000, 2000)
    assert await effects_by_key(sessions) == {f"k{k}": list(range(100)) for k in range(20)}


async def _published_at_least(sessions, count: int) -> bool:
    async with sessions() as session:
        return await session.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")) >= count


@pytest.mark.timeout(180)
async def test_second_consumer_joining_mid_batch_loses_nothing_and_applies_nothing_twice(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
) -> None:
    items = grid(30, 40)
    await write_events(sessions, example, items)
    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test")
    await drain(relay, sessions)
    await relay._discard_producer()

    async def slowish(consumer: str):
        async def handler(session: AsyncSession, event) -> None:
            await asyncio.sleep(0.005)
            await record_effect(session, event, consumer)

        return handler

    group = f"g-{uuid.uuid4()}"
    first = make_runner(
        kafka_bootstrap_servers, sessions, example, group_id=group, handler=await slowish("first"), max_poll_records=100
    )
    second = make_runner(
        kafka_bootstrap_servers,
        sessions,
        example,
        group_id=group,
        handler=await slowish("second"),
        max_poll_records=100,
    )
    tasks = [asyncio.create_task(first.run())]
    try:
        await wait_for(lambda: _at_least(sessions, 100), 60, "first consumer under way")
        tasks.append(asyncio.create_task(second.run()))  # joins mid-batch: a rebalance
        await wait_for(lambda: _at_least(sessions, 1200), 120, "all 1200 effects")
        await asyncio.sleep(1.0)
    finally:
        first.stop()
        second.stop()
        await asyncio.gather(*tasks)
    assert await distinct_effects(sessions) == (1200, 1200)
    assert await effects_by_key(sessions) == {f"k{k}": list(range(40)) for k in range(30)}
    async with sessions() as session:
        consumers = dict(
            (await session.execute(text("SELECT consumer, count(*) FROM effects GROUP BY consumer"))).all()
        )
    assert consumers.get("second", 0) > 0, f"the second consumer took partitions over: {consumers}"


@pytest.mark.timeout(180)
async def test_handler_slower_than_the_poll_interval_is_not_redelivered_in_a_loop(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
) -> None:
    await write_events(sessions, example, [("slow", 0), ("slow", 1), ("slow", 2)])
    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test")
    await drain(relay, sessions)
    await relay._discard_producer()
    calls: list[int] = []

    async def slow_first(session: AsyncSession, event) -> None:
        calls.append(event.data.seq)
        if event.data.seq == 0:
            await asyncio.sleep(8)  # > max_poll_interval_ms below
        await record_effect(session, event)

    runner = make_runner(
        kafka_bootstrap_servers,
        sessions,
        example,
        group_id=f"g-{uuid.uuid4()}",
        handler=slow_first,
        max_poll_interval_ms=3000,
        session_timeout_ms=6000,
        keepalive_interval=0.5,
    )
    task = asyncio.create_task(runner.run())
    try:
        await wait_for(lambda: _at_least(sessions, 3), 60, "three effects")
        await asyncio.sleep(4)  # a redelivery loop would call the handler again meanwhile
        revocations = runner.metrics.revocations.labels(runner.group_id)._value.get()
    finally:
        runner.stop()
        await task
    assert revocations == 0, "the consumer kept its membership while the handler ran"
    assert calls == [0, 1, 2], "each event handled once, the slow one not redelivered"
    assert await distinct_effects(sessions) == (3, 3)
