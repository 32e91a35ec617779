"""Replaying dead letters: ``enforcement-dlq replay --service case-service``.

A consumer parks an event it cannot apply on ``<service>.dlq``, with the topic,
partition and offset it came from and its consumer group in ``dlq_*`` headers (see
``consumer``). Once the cause is fixed — a handler bug, a reference that was missing —
the operator replays: each parked record is published again to the topic it came from,
with its key, its own headers and a ``replay_for_group`` header naming the group that
parked it. Only that group applies it (other groups of the topic ignore the replay), and
its inbox tells a replay (another position) from a redelivery of the parked record (the
same position): the replay is applied, a redelivery is not.

The replayer keeps its progress in its own consumer group (``<service>.dlq-replay``), so
each dead letter is replayed once, and it stops at the end the topic had when it
started: a replay that fails again is parked again, as a new record, for the next run
rather than this one. ``list`` shows what is parked without replaying anything.

A replayed event arrives after the events of its key that followed it; handlers that
must not apply an older state over a newer one compare versions, as they must for any
redelivery. Check ``list`` before replaying.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from enforcement_common.events.consumer import REPLAY_FOR_GROUP_HEADER
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
    parked_by: str | None  # the consumer group that dead-lettered it


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
        parked_by=headers.get("dlq_consumer_group"),
    )


async def _records(consumer: AIOKafkaConsumer, topic: str, *, from_committed: bool) -> AsyncIterator[ConsumerRecord]:
    """The records of ``topic`` from the group's committed position (or the beginning) up to
    the end offsets the topic had at the start; records published meanwhile are left."""
    # aiokafka knows a topic's partitions once its metadata was fetched (no public call for that).
    await consumer._client.force_metadata_update()
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    if not partitions:
        return
    consumer.assign(partitions)
    ends = await consumer.end_offsets(partitions)
    for partition in partitions:
        committed = await consumer.committed(partition) if from_committed else None
        if committed is None:
            await consumer.seek_to_beginning(partition)
        else:
            consumer.seek(partition, committed)
    remaining = {p for p in partitions if await consumer.position(p) < ends[p]}
    while remaining:
        batches = await consumer.getmany(*remaining, timeout_ms=1000)
        for partition, records in batches.items():
            for record in records:
                if record.offset >= ends[partition]:
                    break
                yield record
            if await consumer.position(partition) >= ends[partition]:
                remaining.discard(partition)


async def list_dead_letters(bootstrap: str, service: str) -> list[DeadLetter]:
    """What is parked on the service's dead-letter topic, from the beginning; moves nothing."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        return [
            describe(record) async for record in _records(consumer, dead_letter_topic(service), from_committed=False)
        ]
    finally:
        await consumer.stop()


async def replay(bootstrap: str, service: str, group_id: str | None = None) -> ReplayReport:
    """Publish every dead letter not replayed yet back to its source topic, in DLQ order.

    Progress is committed after each record is acknowledged by Kafka, so an interrupted
    replay resumes where it stopped (a record may then be published twice; the inbox of
    the consumer dedupes it)."""
    report = ReplayReport()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group_id or f"{service}.dlq-replay", enable_auto_commit=False
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await consumer.start()
    try:
        await producer.start()
        async for record in _records(consumer, dead_letter_topic(service), from_committed=True):
            letter = describe(record)
            if letter.source_topic:
                headers = [(k, v) for k, v in record.headers or () if not k.startswith(DLQ_HEADER_PREFIX)]
                if letter.parked_by:
                    headers.append((REPLAY_FOR_GROUP_HEADER, letter.parked_by.encode()))
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
