"""Quiet, bounded logging during a Kafka outage (issue 15): the relay holding pending
events and a consumer both meet a stopped broker for several seconds, as a service does.
What reaches the log at the production level (INFO) stays bounded — one warning per
back-off step, aiokafka's own reconnect messages throttled — never thousands of
"Unable connect" lines a second; the metrics show the outage."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from enforcement_common.events import OutboxRelay
from enforcement_common.observability import quiet_library_logs
from enforcement_common.testing.events import (
    ExampleHappened,
    effects_count,
    make_runner,
    pending_count,
    wait_for,
    write_events,
)
from enforcement_common.testing.infra import BrokerControl

OUTAGE_SECONDS = 8
MAX_LINES = 50


class _Counting(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.by_logger: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.by_logger[f"{record.name}: {str(record.msg)[:60]}"] += 1


@pytest.mark.broker_control
@pytest.mark.timeout(240)
async def test_kafka_stopped_with_the_relay_pending_logs_a_bounded_number_of_lines(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    example: type[ExampleHappened],
    kafka_bootstrap_servers: str,
    broker_control: BrokerControl,
) -> None:
    quiet_library_logs()  # what every service's logging set-up (and app) does
    registry = CollectorRegistry()
    relay = OutboxRelay(engine, kafka_bootstrap_servers, service="events-test", registry=registry)
    runner = make_runner(kafka_bootstrap_servers, sessions, example, group_id=f"g-{uuid.uuid4()}", registry=registry)
    relay_task = asyncio.create_task(relay.run())
    runner_task = asyncio.create_task(runner.run())
    root = logging.getLogger()
    counting = _Counting()
    level = root.level
    try:
        await write_events(sessions, example, [("warm-up", 0)])
        await wait_for(lambda: _effects_at_least(sessions, 1), 60, "warm-up consumed")

        root.setLevel(logging.INFO)
        root.addHandler(counting)
        await asyncio.to_thread(broker_control.stop)
        await write_events(sessions, example, [(f"k{k}", 0) for k in range(20)])  # pending: the relay keeps trying
        await asyncio.sleep(OUTAGE_SECONDS)
        # A send is given twice the request timeout (10 s) before its round fails: then the
        # failures show in the relay's metrics, one warning each, backing off.
        await wait_for(lambda: _relay_failures_at_least(registry, 2), 60, "relay failures counted")
        assert await pending_count(sessions) == 20
        await asyncio.to_thread(broker_control.start)
        await wait_for(lambda: _effects_at_least(sessions, 21), 90, "every event consumed after the outage")
    finally:
        root.removeHandler(counting)
        root.setLevel(level)
        await asyncio.to_thread(broker_control.start)  # a no-op when it runs; never stop a relay mid-outage
        relay.stop()
        runner.stop()
        await asyncio.gather(relay_task, runner_task)
    total = sum(counting.by_logger.values())
    assert total < MAX_LINES, (
        f"{total} log lines during a {OUTAGE_SECONDS}+ s outage: {counting.by_logger.most_common(8)}"
    )


async def _relay_failures_at_least(registry: CollectorRegistry, count: int) -> bool:
    return (registry.get_sample_value("outbox_publish_failures_total", {"service": "events-test"}) or 0) >= count


async def _effects_at_least(sessions, count: int) -> bool:
    return await effects_count(sessions) >= count
