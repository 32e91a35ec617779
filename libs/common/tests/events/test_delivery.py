"""Outbox → relay → Kafka → consumer on the real test PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import httpx
import jsonschema
import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord
from fastapi import Request
from pydantic_settings import SettingsConfigDict
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.app import create_service_app
from enforcement_common.config import BaseServiceSettings
from enforcement_common.contracts import registered_event_types
from enforcement_common.contracts.case import CaseClosed
from enforcement_common.contracts.documents import event_schema, stale_files
from enforcement_common.events import (
    DeadlineScanner,
    OutboxRelay,
    PermanentError,
    ReceivedEvent,
    add_event,
    add_events,
    decode_envelope,
)
from enforcement_common.events.dead_letters import replay
from enforcement_common.events.envelope import build_envelope, encode_envelope
from enforcement_common.observability import event_context
from enforcement_common.testing.events import (
    SOURCE,
    ExampleHappened,
    drain,
    effects_count,
    fetch_effects,
    make_runner,
    pending_count,
    read_topic,
    record_effect,
    wait_for,
    write_events,
)

pytestmark = pytest.mark.timeout(120)


async def run_consumer_until(runner, predicate, timeout: float = 30, what: str = "consumer effects") -> None:
    task = asyncio.create_task(runner.run())
    try:
        await wait_for(predicate, timeout, what)
    finally:
        runner.stop()
        await task


async def test_round_trip_write_outbox_kafka_consumer_effect(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
) -> None:
    await write_events(sessions, example, [("a", 1), ("b", 1), ("a", 2)])
    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test")
    await drain(relay, sessions)
    await relay._discard_producer()

    records = await read_topic(kafka_bootstrap_servers, example.topic, 3)
    assert len(records) == 3
    for record in records:
        envelope = decode_envelope(record.value)
        assert record.key == envelope.subject.encode()
        assert dict(record.headers) == {"ce_type": b"example.happened", "ce_id": str(envelope.id).encode()}
        assert envelope.source == SOURCE and envelope.specversion == "1.0" and envelope.correlationid

    runner = make_runner(kafka_bootstrap_servers, sessions, example, group_id=f"g-{uuid.uuid4()}")
    await run_consumer_until(runner, lambda: _count_is(sessions, 3))
    effects = await fetch_effects(sessions)
    assert sorted((a, s) for a, s, _ in effects) == [("a", 1), ("a", 2), ("b", 1)]
    assert [s for a, s, _ in effects if a == "a"] == [1, 2]


@pytest.mark.parametrize("many", [False, True], ids=["add_event", "add_events"])
async def test_a_second_writer_of_a_key_waits_until_the_first_commits(
    sessions: async_sessionmaker[AsyncSession], example: type[ExampleHappened], many: bool
) -> None:
    """Per key, outbox id order must be commit order (the relay publishes in id order): a
    writer of a key whose earlier event is not committed yet waits for that commit."""
    async with sessions() as first:
        await first.begin()
        await add_event(first, example(aggregate_id="w", seq=1), source=SOURCE)

        async def second() -> None:
            async with sessions() as session, session.begin():
                if many:
                    events = [example(aggregate_id="other", seq=1), example(aggregate_id="w", seq=2)]
                    await add_events(session, events, source=SOURCE)
                else:
                    await add_event(session, example(aggregate_id="w", seq=2), source=SOURCE)

        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.5)
        assert not waiting.done(), "the second writer went ahead of an uncommitted first"
        await first.commit()
    await asyncio.wait_for(waiting, 10)
    async with sessions() as session:
        rows = (await session.execute(text("SELECT payload FROM outbox WHERE key = 'w' ORDER BY id"))).scalars().all()
    assert [row["data"]["seq"] for row in rows] == [1, 2]


async def test_several_events_in_one_call_keep_their_order_per_key(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
) -> None:
    """add_events: one lock statement and one multi-row INSERT, ids in the list's order,
    so per key the relay publishes them as they were emitted."""
    items = [("b", 1), ("a", 1), ("b", 2), ("a", 2), ("b", 3)]
    async with sessions() as session, session.begin():
        envelopes = await add_events(session, [example(aggregate_id=a, seq=n) for a, n in items], source=SOURCE)
    async with sessions() as session:
        stored = (await session.execute(text("SELECT event_id FROM outbox ORDER BY id"))).scalars().all()
    assert stored == [envelope.id for envelope in envelopes]
    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test")
    await drain(relay, sessions)
    await relay._discard_producer()
    records = await read_topic(kafka_bootstrap_servers, example.topic, len(items))
    published = [decode_envelope(r.value).data for r in records]
    for key in ("a", "b"):
        assert [d["seq"] for d in published if d["aggregate_id"] == key] == [n for a, n in items if a == key]


async def _count_is(sessions, expected: int) -> bool:
    return await effects_count(sessions) == expected


async def test_every_event_delivered_twice_has_exactly_one_effect(
    sessions: async_sessionmaker[AsyncSession], example: type[ExampleHappened], kafka_bootstrap_servers: str
) -> None:
    envelopes = []
    for seq in range(20):
        async with sessions() as session, session.begin():
            envelopes.append(await add_event(session, example(aggregate_id=f"k{seq % 4}", seq=seq), source=SOURCE))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers, enable_idempotence=True)
    await producer.start()
    try:
        for _ in range(2):  # the whole stream, twice: as a relay crash or a replay would
            for envelope in envelopes:
                await producer.send_and_wait(example.topic, encode_envelope(envelope), key=envelope.subject.encode())
    finally:
        await producer.stop()
    runner = make_runner(kafka_bootstrap_servers, sessions, example, group_id=f"g-{uuid.uuid4()}")
    task = asyncio.create_task(runner.run())
    try:
        await wait_for(lambda: _count_is(sessions, 20), 30, "20 effects")
        await wait_for(lambda: _committed(runner, example.topic, 40), 30, "all 40 records consumed")
    finally:
        runner.stop()
        await task
    effects = await fetch_effects(sessions)
    assert len(effects) == 20 and len({e[2] for e in effects}) == 20
    assert runner.metrics.handled.labels(runner.group_id, "example.happened", "duplicate")._value.get() == 20


async def _committed(runner, topic: str, total: int) -> bool:
    consumer = runner._consumer
    if consumer is None:
        return False
    committed = 0
    for partition in consumer.assignment():
        committed += (await consumer.committed(partition)) or 0
    return committed == total


async def test_poison_message_is_dead_lettered_and_the_following_are_processed(
    sessions: async_sessionmaker[AsyncSession], example: type[ExampleHappened], kafka_bootstrap_servers: str
) -> None:
    async def handler(session: AsyncSession, event) -> None:
        if event.data.seq == 2:
            raise PermanentError("seq 2 can never be applied")
        await record_effect(session, event)

    key = b"one-key"  # one partition, so "following" is well defined
    good = []
    for seq in (1, 2, 3):
        async with sessions() as session, session.begin():
            good.append(await add_event(session, example(aggregate_id="one-key", seq=seq), source=SOURCE))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(example.topic, encode_envelope(good[0]), key=key)
        await producer.send_and_wait(example.topic, b"{not json", key=key, headers=[("ce_type", b"garbage")])
        await producer.send_and_wait(
            example.topic,
            json.dumps(
                {**json.loads(encode_envelope(good[1])), "id": str(uuid.uuid4()), "data": {"seq": "x"}}
            ).encode(),
            key=key,
        )
        await producer.send_and_wait(example.topic, encode_envelope(good[1]), key=key)
        await producer.send_and_wait(example.topic, encode_envelope(good[2]), key=key)
    finally:
        await producer.stop()

    runner = make_runner(kafka_bootstrap_servers, sessions, example, group_id=f"g-{uuid.uuid4()}", handler=handler)
    await run_consumer_until(runner, lambda: _count_is(sessions, 2))
    assert [(a, s) for a, s, _ in await fetch_effects(sessions)] == [("one-key", 1), ("one-key", 3)]

    def mine(records):
        return [r for r in records if dict(r.headers).get("dlq_source_topic") == example.topic.encode()]

    dead = await read_topic(kafka_bootstrap_servers, "case-service.dlq", 0, until=lambda rs: len(mine(rs)) >= 3)
    mine = mine(dead)
    assert len(mine) == 3
    undecodable, invalid_data, refused = mine
    assert undecodable.value == b"{not json" and dict(undecodable.headers)["ce_type"] == b"garbage"
    assert dict(undecodable.headers)["dlq_error_type"] == b"JSONDecodeError"
    assert dict(invalid_data.headers)["dlq_error_type"] == b"ValidationError"
    assert dict(refused.headers)["dlq_error"] == b"seq 2 can never be applied"
    assert refused.value == encode_envelope(good[1]) and refused.key == key
    async with sessions() as session:
        outcome = await session.scalar(text("SELECT outcome FROM inbox WHERE event_id = :id"), {"id": good[1].id})
    assert outcome == "dead_lettered"


async def test_a_dead_letter_is_skipped_on_redelivery_and_applied_once_when_replayed_after_the_fix(
    sessions: async_sessionmaker[AsyncSession], example: type[ExampleHappened], kafka_bootstrap_servers: str
) -> None:
    fixed = False

    async def handler(session: AsyncSession, event) -> None:
        if event.data.seq == 2 and not fixed:
            raise PermanentError("seq 2 needs a fix")
        await record_effect(session, event)

    def parked(records):
        return [r for r in records if dict(r.headers).get("dlq_source_topic") == example.topic.encode()]

    async def parked_count(expected: int) -> None:
        await read_topic(kafka_bootstrap_servers, "case-service.dlq", 0, until=lambda rs: len(parked(rs)) >= expected)

    await _publish_directly(sessions, example, kafka_bootstrap_servers, [("k", 1), ("k", 2), ("k", 3)])
    group = f"g-{uuid.uuid4()}"
    await run_consumer_until(
        make_runner(kafka_bootstrap_servers, sessions, example, group_id=group, handler=handler),
        lambda: _count_is(sessions, 2),
    )
    await parked_count(1)

    # A redelivery to the group (the same records read again) does not apply it, even once it could be.
    fixed = True
    again = make_runner(kafka_bootstrap_servers, sessions, example, group_id=group, handler=handler)
    for record in await read_topic(kafka_bootstrap_servers, example.topic, 3):
        envelope = decode_envelope(record.value)
        received = ReceivedEvent(envelope=envelope, data=example.model_validate(envelope.data), record=record)
        assert await again._apply(received, handler) is False, "a redelivered record was applied again"
    assert sorted(s for _, s, _ in await fetch_effects(sessions)) == [1, 3]

    # Replayed before the fix: it fails again and is parked again — and the replay does not chase it.
    fixed = False
    replay_group = f"replay-{uuid.uuid4()}"
    assert (await replay(kafka_bootstrap_servers, "case-service", group_id=replay_group)).replayed >= 1
    runner = make_runner(kafka_bootstrap_servers, sessions, example, group_id=group, handler=handler)
    task = asyncio.create_task(runner.run())
    try:
        await parked_count(2)
    finally:
        runner.stop()
        await task

    # After the fix, the next replay is applied, once, by the group that parked it only.
    fixed = True
    assert (await replay(kafka_bootstrap_servers, "case-service", group_id=replay_group)).replayed == 1
    await run_consumer_until(
        make_runner(kafka_bootstrap_servers, sessions, example, group_id=group, handler=handler),
        lambda: _count_is(sessions, 3),
    )
    assert sorted(s for _, s, _ in await fetch_effects(sessions)) == [1, 2, 3]
    async with sessions() as session:
        outcomes = (await session.execute(text("SELECT outcome FROM inbox"))).scalars().all()
    assert sorted(outcomes) == ["processed"] * 3
    other = make_runner(kafka_bootstrap_servers, sessions, example, group_id=f"g-{uuid.uuid4()}", handler=handler)
    await run_consumer_until(
        other,
        lambda: _handled(other, "replay", "ignored", 2),
        what="another group ignores the replays meant for the first",
    )
    assert (await replay(kafka_bootstrap_servers, "case-service", group_id=replay_group)).replayed == 0


async def _handled(runner, event_type: str, outcome: str, expected: int) -> bool:
    return runner.metrics.handled.labels(runner.group_id, event_type, outcome)._value.get() >= expected


async def test_transient_failures_are_retried_until_they_pass(
    sessions: async_sessionmaker[AsyncSession], example: type[ExampleHappened], kafka_bootstrap_servers: str
) -> None:
    failures = {"left": 3}

    async def flaky(session: AsyncSession, event) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("database went away")
        await record_effect(session, event)

    await _publish_directly(sessions, example, kafka_bootstrap_servers, [("k", 1)])
    runner = make_runner(
        kafka_bootstrap_servers, sessions, example, group_id=f"g-{uuid.uuid4()}", handler=flaky, max_attempts=1
    )
    await run_consumer_until(runner, lambda: _count_is(sessions, 1))
    assert failures["left"] == 0


async def _publish_directly(sessions, example, bootstrap, items) -> None:
    await write_events(sessions, example, items)
    async with sessions() as session:
        rows = (await session.execute(text("SELECT payload, key FROM outbox ORDER BY id"))).all()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for payload, key in rows:
            await producer.send_and_wait(example.topic, json.dumps(payload).encode(), key=key.encode())
    finally:
        await producer.stop()


async def test_correlation_flows_from_request_to_event_to_caused_event(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
) -> None:
    """A request's correlation id goes into its event; handling that event emits a
    second event carrying the same correlation id and the first event's id as causation."""

    async def react(session: AsyncSession, event) -> None:
        await record_effect(session, event)
        if event.data.seq == 1:
            await add_event(session, example(aggregate_id=event.data.aggregate_id, seq=2), source=SOURCE)

    with event_context("req-7f3a", None):  # what RequestContextMiddleware sets for X-Correlation-ID: req-7f3a
        async with sessions() as session, session.begin():
            first = await add_event(session, example(aggregate_id="c", seq=1), source=SOURCE)
    assert first.correlationid == "req-7f3a" and first.causationid is None

    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test", poll_interval=0.2)
    relay_task = asyncio.create_task(relay.run())
    runner = make_runner(kafka_bootstrap_servers, sessions, example, group_id=f"g-{uuid.uuid4()}", handler=react)
    try:
        await run_consumer_until(runner, lambda: _count_is(sessions, 2))
    finally:
        relay.stop()
        await relay_task
    async with sessions() as session:
        rows = (
            await session.execute(text("SELECT seq, event_id, correlation_id, causation_id FROM effects ORDER BY seq"))
        ).all()
    assert rows[0].correlation_id == rows[1].correlation_id == "req-7f3a"
    assert rows[0].causation_id is None and rows[1].causation_id == str(first.id)


async def test_late_commit_is_not_skipped(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
) -> None:
    """T1 takes the smaller outbox id but commits after T2: the relay publishes T2's
    event first and T1's when it commits — no high-water mark skips it."""
    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test")
    async with sessions() as slow:
        await slow.begin()
        early = await add_event(slow, example(aggregate_id="late", seq=1), source=SOURCE)
        async with sessions() as fast, fast.begin():
            later = await add_event(fast, example(aggregate_id="quick", seq=1), source=SOURCE)
        await drain(relay, sessions)  # sees only T2's row
        await slow.commit()
    async with sessions() as session:
        ids = dict((await session.execute(text("SELECT event_id, id FROM outbox"))).all())
    assert ids[early.id] < ids[later.id], "the late transaction holds the smaller id"
    await drain(relay, sessions)
    await relay._discard_producer()
    records = await read_topic(kafka_bootstrap_servers, example.topic, 2)
    assert {decode_envelope(r.value).id for r in records} == {early.id, later.id}


async def test_two_relays_at_once_keep_per_key_order(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
) -> None:
    items = [(f"k{i % 5}", i // 5) for i in range(300)]
    relays = [
        OutboxRelay(engine, kafka_bootstrap_servers, service="events-test", batch_size=17, poll_interval=0.05)
        for _ in range(2)
    ]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:
        # Written while both relays run, 20 concurrent writers, each key's events in order.
        for chunk in range(0, len(items), 20):
            await write_events(sessions, example, items[chunk : chunk + 20])
        await wait_for(lambda: _nothing_pending(sessions), 60, "outbox drained")
    finally:
        for relay in relays:
            relay.stop()
        await asyncio.gather(*tasks)
    published = [relay.metrics.published.labels("events-test")._value.get() for relay in relays]
    assert sum(published) == 300 and all(count > 0 for count in published), published
    records = await read_topic(kafka_bootstrap_servers, example.topic, 300)
    assert len(records) == 300, "no duplicates without crashes"
    seen = [(decode_envelope(r.value).data["aggregate_id"], decode_envelope(r.value).data["seq"]) for r in records]
    for key, sequence in _by_key(seen).items():
        assert sequence == sorted(sequence) == list(range(60)), key


async def _nothing_pending(sessions) -> bool:
    return await pending_count(sessions) == 0


def _by_key(items):
    result: dict[str, list[int]] = {}
    for key, seq in items:
        result.setdefault(key, []).append(seq)
    return result


async def test_relay_cleans_up_published_rows_after_retention(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
) -> None:
    await write_events(sessions, example, [("r", 1), ("r", 2), ("r", 3)])
    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test", retention=timedelta(days=7))
    await drain(relay, sessions)
    await relay._discard_producer()
    async with sessions() as session, session.begin():
        await session.execute(
            text("UPDATE outbox SET published_at = now() - interval '8 days' WHERE id = (SELECT min(id) FROM outbox)")
        )
    assert await relay.cleanup() == 1
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM outbox")) == 2


async def test_deadline_scanner_emits_exactly_one_event_per_due_item_with_replicas(
    sessions: async_sessionmaker[AsyncSession], example: type[ExampleHappened]
) -> None:
    from sqlalchemy import Column, DateTime, MetaData, Table, Uuid

    items = Table(
        "deadline_items",
        MetaData(),
        Column("id", Uuid, primary_key=True),
        Column("due_at", DateTime(timezone=True)),
        Column("overdue_emitted_at", DateTime(timezone=True)),
    )
    now = datetime(2026, 11, 21, 12, tzinfo=UTC)
    due_ids = [uuid.uuid4() for _ in range(150)]
    async with sessions() as session, session.begin():
        for item_id in due_ids:
            await session.execute(items.insert().values(id=item_id, due_at=now - timedelta(hours=1)))
        for _ in range(30):  # not yet due
            await session.execute(items.insert().values(id=uuid.uuid4(), due_at=now + timedelta(hours=1)))

    async def on_due(session: AsyncSession, item_id, at: datetime):
        await session.execute(update(items).where(items.c.id == item_id).values(overdue_emitted_at=at))
        return [example(aggregate_id=str(item_id), seq=0)]

    def due(at: datetime):
        return (
            select(items.c.id)
            .where(items.c.due_at <= at, items.c.overdue_emitted_at.is_(None))
            .order_by(items.c.due_at)
        )

    scanners = [DeadlineScanner("test", SOURCE, due, on_due, batch_size=7, clock=lambda: now) for _ in range(4)]
    emitted = await asyncio.gather(*(scanner.scan_once(sessions) for scanner in scanners))
    emitted_again = await asyncio.gather(*(scanner.scan_once(sessions) for scanner in scanners))
    assert sum(emitted) == 150 and sum(emitted_again) == 0
    async with sessions() as session:
        keys = (await session.execute(text("SELECT key FROM outbox"))).scalars().all()
    assert sorted(keys) == sorted(str(i) for i in due_ids)


async def test_published_events_validate_against_their_schema(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], kafka_bootstrap_servers: str
) -> None:
    data = CaseClosed(
        case_id=uuid.uuid4(),
        unit_id=uuid.uuid4(),
        case_no="城管〔2026〕12号",
        category="penalty",
        lead_handler_id=uuid.uuid4(),
        handler_ids=[uuid.uuid4()],
        filed_on="2026-09-01",
        closed_on="2026-11-20",
        fine_amount="5000",
        confiscation_amount=None,
        hearing_held=True,
    )
    async with sessions() as session, session.begin():
        envelope = await add_event(session, data, source="case-service")
    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="case-service")
    await drain(relay, sessions)
    await relay._discard_producer()
    key = str(data.case_id).encode()
    # The topic may hold other tests' (or a benchmark's) records: wait for this key's.
    records = await read_topic(
        kafka_bootstrap_servers, "enforcement.cases.v1", 1, until=lambda rs: any(r.key == key for r in rs)
    )
    published = [json.loads(r.value) for r in records if r.key == key]
    assert len(published) == 1 and published[0]["id"] == str(envelope.id)
    assert published[0]["data"]["fine_amount"] == "5000.00" and published[0]["unitid"] == str(data.unit_id)
    jsonschema.validate(published[0], event_schema(CaseClosed), format_checker=jsonschema.FormatChecker())
    broken = {**published[0], "data": {**published[0]["data"], "fine_amount": 5000}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, event_schema(CaseClosed))


@pytest.mark.unit
def test_every_registered_type_has_a_valid_schema_and_committed_documents_are_fresh() -> None:
    for model in registered_event_types().values():
        jsonschema.Draft202012Validator.check_schema(event_schema(model))
    assert stale_files() == [], "run `make schemas` and commit libs/common/schemas"


async def test_request_correlation_id_goes_into_the_events_it_causes(
    database: str, example: type[ExampleHappened]
) -> None:
    """X-Correlation-ID of a request → the event written in that request's transaction."""

    class Settings(BaseServiceSettings):
        model_config = SettingsConfigDict(env_prefix="EXAMPLE_", extra="ignore")
        service_name: ClassVar[str] = "example-service"

    router = ServiceRouter()

    @router.post("/things/{thing_id}", status_code=202)
    async def touch(thing_id: str, request: Request) -> dict[str, str]:
        async with request.app.state.sessions() as session, session.begin():
            envelope = await add_event(session, example(aggregate_id=thing_id, seq=1), source="example-service")
        return {"event_id": str(envelope.id)}

    app = create_service_app(
        Settings(database_url=database, run_workers=False), title="t", description="t", routers=[router]
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            given = await client.post("/api/v1/things/x", headers={"X-Correlation-ID": "prov-platform-42"})
            generated = await client.post("/api/v1/things/y")
        async with app.state.sessions() as session:
            payloads = dict((await session.execute(text("SELECT key, payload FROM outbox"))).all())
    assert given.status_code == 202 and payloads["x"]["correlationid"] == "prov-platform-42"
    assert payloads["y"]["correlationid"] == generated.headers["x-correlation-id"]
    assert "causationid" not in payloads["x"], "a request starts a chain"


async def test_relay_is_woken_by_notify_not_by_its_poll_and_exports_backlog_metrics(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
) -> None:
    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test", poll_interval=120)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(1.0)  # first round done; the next poll would be two minutes away
        await write_events(sessions, example, [("n", 1)])
        await wait_for(lambda: _nothing_pending(sessions), 10, "published on NOTIFY")
    finally:
        relay.stop()
        await task
    assert relay.metrics.published.labels("events-test")._value.get() == 1

    async with sessions() as session, session.begin():  # a backlog the metrics must show
        await add_event(session, example(aggregate_id="m", seq=1), source=SOURCE)
        await session.execute(
            text("UPDATE outbox SET created_at = now() - interval '90 seconds' WHERE published_at IS NULL")
        )
    relay._last_gauges = 0.0
    await relay._housekeeping()
    assert relay.metrics.pending.labels("events-test")._value.get() == 1
    assert relay.metrics.oldest_age.labels("events-test")._value.get() >= 90


async def test_records_fetched_together_commit_once_and_a_failing_one_costs_only_itself(
    sessions: async_sessionmaker[AsyncSession], example: type[ExampleHappened], kafka_bootstrap_servers: str
) -> None:
    """Efficiency (issue 11): records fetched together are applied in one transaction, so
    their inbox rows share a transaction start; each is still applied exactly once, in order."""
    envelopes = []
    for seq in range(30):
        async with sessions() as session, session.begin():
            envelopes.append(await add_event(session, example(aggregate_id="one-key", seq=seq), source=SOURCE))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers, enable_idempotence=True)
    await producer.start()
    try:  # all on the topic before the consumer starts: its fetches return several at once
        for envelope in envelopes:
            await producer.send_and_wait(example.topic, encode_envelope(envelope), key=b"one-key")
    finally:
        await producer.stop()
    runner = make_runner(kafka_bootstrap_servers, sessions, example, group_id=f"g-{uuid.uuid4()}")
    await run_consumer_until(runner, lambda: _count_is(sessions, 30))
    assert [s for _, s, _ in await fetch_effects(sessions)] == list(range(30))
    async with sessions() as session:
        starts = (
            await session.scalars(
                text("SELECT DISTINCT processed_at FROM inbox WHERE event_id = ANY(:ids)"),
                {"ids": [e.id for e in envelopes]},
            )
        ).all()
    assert len(starts) < 30  # fewer transactions than records


async def test_a_batch_with_a_failing_record_applies_nothing_and_goes_one_by_one(
    sessions: async_sessionmaker[AsyncSession], example: type[ExampleHappened]
) -> None:
    """A handler failing inside a batch rolls the whole batch back (nothing half-applied);
    the records are then applied one by one, where only the failing one is retried."""
    failures = [2]  # once in the batch, once more on its own

    async def handler(session: AsyncSession, event) -> None:
        if event.data.seq == 2 and failures[0]:
            failures[0] -= 1
            raise RuntimeError("seq 2 fails once")
        await record_effect(session, event)

    runner = make_runner("unused:0", sessions, example, group_id=f"g-{uuid.uuid4()}", handler=handler)
    runner.min_backoff = 0.01
    partition = TopicPartition(example.topic, 0)
    records = []
    for seq in range(4):
        envelope = build_envelope(example(aggregate_id="k", seq=seq), source=SOURCE)
        value = encode_envelope(envelope)
        records.append(ConsumerRecord(example.topic, 0, seq, 0, 0, b"k", value, None, 1, len(value), ()))
    assert await runner._apply_together(partition, records) is False
    assert await effects_count(sessions) == 0 and partition not in runner._processed
    for record in records:
        await runner._process(record)
    assert [s for _, s, _ in await fetch_effects(sessions)] == [0, 1, 2, 3] and failures == [0]
    assert await runner._apply_together(partition, records) is True  # a redelivery: all duplicates
    assert await effects_count(sessions) == 4 and runner._processed[partition] == 4


async def test_two_consumer_groups_of_one_service_each_apply_an_event_once(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
) -> None:
    """Two groups of one service reading the same topic (stats-service's projection and the
    platform's unit tree both read unit.*) share the service's inbox: each group applies every
    event once, whichever comes first — an inbox keyed by event id alone let the first group's
    row make the second skip it (found by make chaos: a county unknown to stats' unit scope)."""
    await write_events(sessions, example, [("g", 1), ("g", 2), ("h", 1)])
    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test")
    await drain(relay, sessions)
    await relay._discard_producer()

    async def per_consumer() -> Counter:
        async with sessions() as session:
            rows = await session.execute(text("SELECT consumer FROM effects"))
            return Counter(rows.scalars().all())

    async def both_applied() -> bool:
        return await per_consumer() == Counter({"one": 3, "two": 3})

    groups = {name: f"g-{name}-{uuid.uuid4()}" for name in ("one", "two")}
    runners = {
        name: make_runner(
            kafka_bootstrap_servers,
            sessions,
            example,
            group_id=group,
            handler=lambda session, event, name=name: record_effect(session, event, consumer=name),
        )
        for name, group in groups.items()
    }
    first = asyncio.create_task(runners["one"].run())
    try:
        await wait_for(lambda: _count_is(sessions, 3), 30, "the first group's effects")
        await run_consumer_until(runners["two"], both_applied, what="the second group's effects")
    finally:
        runners["one"].stop()
        await first
    assert await per_consumer() == Counter({"one": 3, "two": 3})
    async with sessions() as session:
        rows = (await session.execute(text("SELECT consumer_group, count(*) FROM inbox GROUP BY 1"))).all()
    assert dict(rows) == {groups["one"]: 3, groups["two"]: 3}

    # A redelivery to either group is still skipped by that group's own row.
    for name in ("one", "two"):
        again = make_runner(kafka_bootstrap_servers, sessions, example, group_id=groups[name])
        record = (await read_topic(kafka_bootstrap_servers, example.topic, 3))[0]
        envelope = decode_envelope(record.value)
        received = ReceivedEvent(envelope=envelope, data=example.model_validate(envelope.data), record=record)
        assert await again._apply(received, record_effect) is False
    assert await per_consumer() == Counter({"one": 3, "two": 3})
