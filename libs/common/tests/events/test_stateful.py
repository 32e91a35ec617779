"""A hypothesis state machine over the event machinery on real PostgreSQL and Kafka.

Random interleavings of writes, relay rounds, relay crashes (after publishing,
before marking), consumer rounds, consumer crashes (mid-handler) and whole-topic
redeliveries must always end with: the set of effects equals the set of writes,
no event applied twice, and each key's effects in the order it was written.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule
from sqlalchemy import text

from enforcement_common.db import create_engine, session_factory
from enforcement_common.events import OutboxRelay
from enforcement_common.testing.databases import asyncpg_url, copy_database, drop_database, template_for
from enforcement_common.testing.events import (
    bind_topic,
    create_topic,
    effects_count,
    make_runner,
    pending_count,
    record_effect,
    wait_for,
    write_events,
)
from enforcement_common.testing.infra import kafka_bootstrap

HERE = Path(__file__).resolve().parent


class Crash(BaseException):
    """A process dying mid-way: not an error any handler catches."""


class RelayKilledBeforeMarking(OutboxRelay):
    async def _mark_published(self, connection, ids):
        raise Crash("relay died after Kafka acknowledged, before marking")


class EventFlow(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.bootstrap = kafka_bootstrap()
        self.written: list[tuple[str, int]] = []
        self.next_seq: dict[str, int] = defaultdict(int)
        self.group = f"g-{uuid.uuid4()}"
        self.loop.run_until_complete(self._setup())

    async def _setup(self) -> None:
        self.database = await copy_database(await asyncio.to_thread(template_for, HERE))
        url = asyncpg_url(self.database)
        self.engine = create_engine(url, pool_size=5)
        self.sessions = session_factory(self.engine)
        self.model = bind_topic(await create_topic(self.bootstrap))

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    # --- rules -----------------------------------------------------------------------

    @rule(key=st.sampled_from(["a", "b", "c"]), count=st.integers(1, 4))
    def write(self, key: str, count: int) -> None:
        items = []
        for _ in range(count):
            items.append((key, self.next_seq[key]))
            self.next_seq[key] += 1
        self.run(write_events(self.sessions, self.model, items))
        self.written.extend(items)

    @rule()
    def relay_round(self) -> None:
        self.run(self._relay(OutboxRelay))

    @rule()
    def relay_crash(self) -> None:
        self.run(self._relay(RelayKilledBeforeMarking))

    async def _relay(self, kind: type[OutboxRelay]) -> None:
        relay = kind(self.engine, self.bootstrap, service="events-test", batch_size=3)
        try:
            await relay.publish_pending()
        except Crash:
            pass
        finally:
            await relay._discard_producer()

    @precondition(lambda self: self.written)
    @rule(crash_after=st.none() | st.integers(0, 3))
    def consumer_round(self, crash_after: int | None) -> None:
        self.run(self._consume(crash_after, seconds=1.5))

    async def _consume(self, crash_after: int | None, seconds: float) -> None:
        applied = {"n": 0}

        async def handler(session, event) -> None:
            if crash_after is not None and applied["n"] >= crash_after:
                raise Crash("consumer died mid-handler")
            await record_effect(session, event)
            applied["n"] += 1

        runner = make_runner(self.bootstrap, self.sessions, self.model, group_id=self.group, handler=handler)
        task = asyncio.create_task(runner.run())
        done, _ = await asyncio.wait({task}, timeout=seconds)
        if not done:
            runner.stop()
            await asyncio.wait({task})
        if task.exception() is not None and not isinstance(task.exception(), Crash):
            raise task.exception()

    @precondition(lambda self: self.written)
    @rule()
    def redeliver_everything(self) -> None:
        """Reset the group to offset 0: every published event comes again."""
        self.run(self._rewind())

    async def _rewind(self) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=self.group, enable_auto_commit=False)
        await consumer.start()
        try:
            partitions = [TopicPartition(self.model.topic, p) for p in range(3)]
            consumer.assign(partitions)
            await consumer.commit({p: OffsetAndMetadata(0, "") for p in partitions})
        finally:
            await consumer.stop()

    # --- the end state -----------------------------------------------------------------

    def teardown(self) -> None:
        try:
            self.run(self._settle_and_check())
        finally:
            self.run(self._cleanup())
            self.loop.close()

    async def _settle_and_check(self) -> None:
        relay = OutboxRelay(self.engine, self.bootstrap, service="events-test")
        while await pending_count(self.sessions):
            await relay.publish_pending()
        await relay._discard_producer()
        runner = make_runner(self.bootstrap, self.sessions, self.model, group_id=self.group)
        task = asyncio.create_task(runner.run())
        try:
            await wait_for(lambda: self._effects_at_least(len(self.written)), 60, "all effects")
            await asyncio.sleep(0.5)
        finally:
            runner.stop()
            await task
        async with self.sessions() as session:
            rows = (await session.execute(text("SELECT aggregate_id, seq, event_id FROM effects ORDER BY id"))).all()
        effects = [(key, seq) for key, seq, _ in rows]
        assert len({event_id for *_, event_id in rows}) == len(rows), "an event was applied twice"
        assert sorted(effects) == sorted(self.written), "effects differ from writes"
        for key in self.next_seq:
            assert [seq for k, seq in effects if k == key] == list(range(self.next_seq[key])), f"order of {key}"

    async def _effects_at_least(self, count: int) -> bool:
        return await effects_count(self.sessions) >= count

    async def _cleanup(self) -> None:
        await self.engine.dispose()
        await drop_database(self.database)


EventFlow.TestCase.settings = settings(
    max_examples=12,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_event_flow = pytest.mark.timeout(600)(EventFlow.TestCase)
