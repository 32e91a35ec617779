"""Replaying dead letters: ``enforcement-dlq replay --service case-service``.

A consumer parks an event it cannot apply on ``<service>.dlq``, with the topic,
partition and offset it came from in ``dlq_*`` headers (see ``consumer``). Once the
cause is fixed — a handler bug, a reference that was missing — the operator replays:
each parked record is published again to the topic it came from, with its key and its
own headers, and the service's consumers handle it like any event. Their inbox tells a
replay (another position) from a redelivery of the record already dead-lettered (the
same position), so the replay is applied and a redelivery is not.

The replayer keeps its progress in its own consumer group (``<service>.dlq-replay``), so
each dead letter is replayed once; one that fails again is parked again, as a new
record, for the next replay. ``list`` shows what is parked without replaying it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from enforcement_common.topics import SERVICES, dead_letter_topic

DLQ_HEADER_PREFIX = "dlq_"


@dataclass
class DeadLetter:
    offset: int
    partition: int
    source_topic: str | None
    key: str | None
    error_type: str | None
    error: str | None
    event_type: str | None


@dataclass
class ReplayReport:
    replayed: int = 0
    skipped: list[DeadLetter] = field(default_factory=list)  # no source topic: cannot be routed back


def describe(record: ConsumerRecord) -> DeadLetter:
    headers = {name: value.decode("utf-8", "replace") for name, value in record.headers or ()}
    return DeadLetter(
        offset=record.offset,
        partition=record.partition,
        source_topic=headers.get("dlq_source_topic"),
        key=record.key.decode("utf-8", "replace") if record.key is not None else None,
        error_type=headers.get("dlq_error_type"),
        error=headers.get("dlq_error"),
        event_type=headers.get("ce_type"),
    )


async def _records(consumer: AIOKafkaConsumer, idle_seconds: float):
    """Every record from the group's position until none arrived for ``idle_seconds``."""
    while True:
        batches = await consumer.getmany(timeout_ms=int(idle_seconds * 1000))
        if not batches:
            return
        for partition_records in batches.values():
            for record in partition_records:
                yield record


async def list_dead_letters(bootstrap: str, service: str, idle_seconds: float = 3.0) -> list[DeadLetter]:
    """What is parked on the service's dead-letter topic, from the beginning; moves nothing."""
    consumer = AIOKafkaConsumer(
        dead_letter_topic(service),
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        return [describe(record) async for record in _records(consumer, idle_seconds)]
    finally:
        await consumer.stop()


async def replay(bootstrap: str, service: str, idle_seconds: float = 3.0, group_id: str | None = None) -> ReplayReport:
    """Publish every dead letter not replayed yet back to its source topic, in DLQ order.

    Progress is committed after each record is acknowledged by Kafka, so an interrupted
    replay resumes where it stopped (a record may be published twice then; the inbox of
    the consumer dedupes it)."""
    report = ReplayReport()
    consumer = AIOKafkaConsumer(
        dead_letter_topic(service),
        bootstrap_servers=bootstrap,
        group_id=group_id or f"{service}.dlq-replay",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await consumer.start()
    try:
        await producer.start()
        async for record in _records(consumer, idle_seconds):
            letter = describe(record)
            if letter.source_topic:
                headers = [
                    (name, value) for name, value in record.headers or () if not name.startswith(DLQ_HEADER_PREFIX)
                ]
                await producer.send_and_wait(letter.source_topic, record.value, key=record.key, headers=headers)
                report.replayed += 1
            else:
                report.skipped.append(letter)
            await consumer.commit({TopicPartition(record.topic, record.partition): record.offset + 1})
    finally:
        await producer.stop()
        await consumer.stop()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="enforcement-dlq", description="List or replay the events a service dead-lettered."
    )
    parser.add_argument("command", choices=["list", "replay"])
    parser.add_argument("--service", required=True, choices=SERVICES)
    parser.add_argument("--bootstrap", default=None, help="Kafka bootstrap servers (default: KAFKA_BOOTSTRAP_SERVERS)")
    args = parser.parse_args(argv)
    bootstrap = args.bootstrap or os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:29092")
    if args.command == "list":
        letters = asyncio.run(list_dead_letters(bootstrap, args.service))
        for letter in letters:
            print(json.dumps(letter.__dict__, ensure_ascii=False))
        print(f"{len(letters)} dead letter(s) on {dead_letter_topic(args.service)}", file=sys.stderr)
        return 0
    report = asyncio.run(replay(bootstrap, args.service))
    print(f"replayed {report.replayed}; skipped {len(report.skipped)} without a source topic", file=sys.stderr)
    for letter in report.skipped:
        print(json.dumps(letter.__dict__, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
