"""The repo-started PostgreSQL and Kafka are real and usable from the pinned drivers."""

from __future__ import annotations

import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from enforcement_common.topics import ALL_TOPICS, DEAD_LETTER_TOPICS, EVENT_TOPICS


async def test_row_written_and_read_through_asyncpg(scratch_database: str) -> None:
    connection = await asyncpg.connect(scratch_database)
    try:
        await connection.execute("CREATE TABLE note (id uuid PRIMARY KEY, body text NOT NULL, at timestamptz NOT NULL)")
        note_id = uuid.uuid4()
        await connection.execute("INSERT INTO note VALUES ($1, $2, now())", note_id, "案卷评查 — REV-13")
        row = await connection.fetchrow("SELECT id, body FROM note WHERE id = $1", note_id)
        assert row["id"] == note_id and row["body"] == "案卷评查 — REV-13"
        version = await connection.fetchval("SHOW server_version_num")
        assert int(version) >= 150000, "PostgreSQL 15 or newer"
    finally:
        await connection.close()


async def test_message_produced_and_consumed_through_aiokafka(kafka_bootstrap_servers: str) -> None:
    """The pinned aiokafka works against the broker with the producer settings the outbox relay needs."""
    topic = "enforcement.cases.v1"
    key = str(uuid.uuid4()).encode()
    values = [f'{{"n": {i}, "marker": "{key.decode()}"}}'.encode() for i in range(5)]
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap_servers, enable_idempotence=True, acks="all", linger_ms=5
    )
    await producer.start()
    try:
        metadata = [
            await producer.send_and_wait(topic, value, key=key, headers=[("ce_type", b"test")]) for value in values
        ]
    finally:
        await producer.stop()
    partitions = {m.partition for m in metadata}
    assert len(partitions) == 1, "one key, one partition"
    partition = TopicPartition(topic, partitions.pop())

    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap_servers,
        group_id=f"test-{uuid.uuid4()}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        consumer.assign([partition])
        consumer.seek(partition, metadata[0].offset)
        received: list[bytes] = []
        while len(received) < len(values):
            batch = await consumer.getmany(partition, timeout_ms=10_000)
            assert batch, "no records within 10 s"
            received.extend(record.value for record in batch[partition] if record.key == key)
        assert received == values, "same key ⇒ same order"
        await consumer.commit()
        assert await consumer.committed(partition) == metadata[-1].offset + 1
    finally:
        await consumer.stop()


async def test_contract_topics_exist(kafka_bootstrap_servers: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics([t.name for t in ALL_TOPICS])
    finally:
        await admin.close()
    partitions = {d["topic"]: len(d["partitions"]) for d in described if d["error_code"] == 0}
    assert partitions == {t.name: t.partitions for t in ALL_TOPICS}
    assert "case-service.dlq" in partitions and len(EVENT_TOPICS) == 9 and len(DEAD_LETTER_TOPICS) == 5
