"""The Kafka topics of the public contract (CONTRACT.md, "Events"), and a small CLI.

``python -m enforcement_common.topics wait --bootstrap HOST:PORT`` waits until a
broker answers; ``… create`` creates every topic that does not exist yet. The local
infrastructure scripts call both; the list lives here so that code and scripts
agree on one catalogue.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError


@dataclass(frozen=True)
class Topic:
    name: str
    owner: str
    partitions: int = 3


#: Event topics, keyed by the aggregate id so that one aggregate's events stay in order.
EVENT_TOPICS: tuple[Topic, ...] = (
    Topic("enforcement.units.v1", "case-service"),
    Topic("enforcement.officers.v1", "case-service"),
    Topic("enforcement.trainings.v1", "case-service"),
    Topic("enforcement.cases.v1", "case-service"),
    Topic("enforcement.calendar.v1", "case-service", partitions=1),
    Topic("enforcement.reviews.v1", "review-service"),
    Topic("enforcement.tolerance.v1", "tolerance-service"),
    Topic("enforcement.accountability.v1", "accountability-service"),
    Topic("enforcement.stats.v1", "stats-service"),
)

SERVICES: tuple[str, ...] = (
    "case-service",
    "tolerance-service",
    "review-service",
    "accountability-service",
    "stats-service",
)

#: Dead letters: ``<service>.dlq`` carries the original record and the error.
DEAD_LETTER_TOPICS: tuple[Topic, ...] = tuple(Topic(f"{service}.dlq", service, 1) for service in SERVICES)

ALL_TOPICS: tuple[Topic, ...] = EVENT_TOPICS + DEAD_LETTER_TOPICS


def dead_letter_topic(service: str) -> str:
    return f"{service}.dlq"


async def wait_for_broker(bootstrap: str, timeout: float) -> None:
    """Return once a broker at ``bootstrap`` answers a metadata request; raise TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except (KafkaError, OSError) as exc:
            last_error = exc
        finally:
            await admin.close()
        await asyncio.sleep(0.5)
    raise TimeoutError(f"no Kafka broker answered at {bootstrap} within {timeout:.0f} s: {last_error!r}")


async def create_topics(bootstrap: str, topics: tuple[Topic, ...] = ALL_TOPICS) -> list[str]:
    """Create the topics that are missing; return the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        created: list[str] = []
        for topic in missing:
            try:
                await admin.create_topics([NewTopic(topic.name, topic.partitions, 1)])
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass  # another process created it meanwhile
        return created
    finally:
        await admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m enforcement_common.topics")
    parser.add_argument("command", choices=["wait", "create", "list"])
    parser.add_argument("--bootstrap", required=False, default="127.0.0.1:29092")
    parser.add_argument("--timeout", type=float, default=90.0)
    args = parser.parse_args(argv)
    # While waiting, every refused connection is expected: keep aiokafka's log quiet.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    if args.command == "list":
        for topic in ALL_TOPICS:
            print(topic.name)
        return 0
    try:
        if args.command == "wait":
            asyncio.run(wait_for_broker(args.bootstrap, args.timeout))
        else:
            created = asyncio.run(create_topics(args.bootstrap))
            print(f"topics: {len(created)} created, {len(ALL_TOPICS) - len(created)} already present", file=sys.stderr)
    except (TimeoutError, KafkaConnectionError, KafkaError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
