"""Idempotent Kafka consumers: handlers per event type, an inbox, dead letters.

For each record, in partition order:

1. decode the CloudEvents envelope and the data model of its type — a record that
   cannot be decoded is *poison*: it goes to ``<service>.dlq`` at once;
2. in **one database transaction**: insert (consumer group, event id) into ``inbox`` (a
   conflict means "already handled by this group": skip) and run the handler — records fetched together share
   one transaction (one commit; ``max_batch`` at most), and go one by one when any fails;
3. commit the Kafka offset only after that transaction committed (no auto-commit), at
   most every ``commit_interval`` and on revocation and shutdown.

Transient failures (database or network down) are retried with capped exponential
backoff for as long as they last; any other handler error is retried
``max_attempts`` times and then dead-lettered, recorded in the inbox as such, and
consumption continues. While a slow handler runs, the consumer keeps polling with
its partitions paused, so it is not evicted from the group for exceeding
``max.poll.interval.ms``; on a rebalance, revoked partitions get their processed
offsets committed first. Lag is exported per partition.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import weakref
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, Generic, TypeVar

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import ConsumerRecord
from prometheus_client import CollectorRegistry, Counter, Gauge
from pydantic import ValidationError
from sqlalchemy import delete, func, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from enforcement_common.contracts import EventData
from enforcement_common.events.envelope import Envelope, decode_envelope
from enforcement_common.events.tables import inbox
from enforcement_common.observability import event_context
from enforcement_common.topics import dead_letter_topic

log = structlog.get_logger(__name__)

E = TypeVar("E", bound=EventData)
T = TypeVar("T")


class PermanentError(Exception):
    """Raised by a handler for an event that can never be applied: dead-letter it now."""


@dataclass(frozen=True)
class ReceivedEvent(Generic[E]):
    envelope: Envelope
    data: E
    record: ConsumerRecord


Handler = Callable[[AsyncSession, ReceivedEvent[Any]], Awaitable[None]]

#: Header of a dead letter published again by ``enforcement-dlq replay``: the consumer group
#: that parked it, the only one that applies the replay.
REPLAY_FOR_GROUP_HEADER = "replay_for_group"


def is_transient(exc: BaseException) -> bool:
    """Failures of the infrastructure rather than of the event: worth retrying indefinitely."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError | InterfaceError | OSError | TimeoutError | ConnectionError | PoolTimeout):
        return True
    original = getattr(exc, "orig", None)
    sqlstate = getattr(original, "sqlstate", None) or getattr(getattr(original, "__cause__", None), "sqlstate", None)
    if not sqlstate:
        return False
    # connection (08), insufficient resources (53), operator intervention (57: admin shutdown,
    # cannot connect now, statement timeout), lock timeout, serialization failure, deadlock
    return sqlstate[:2] in {"08", "53", "57"} or sqlstate in {"55P03", "40001", "40P01"}


def _inbox_row(group_id: str, envelope: Envelope, record: ConsumerRecord, **values: Any):
    """INSERT of an event's inbox row for a consumer group, at the record's position."""
    return insert(inbox).values(
        consumer_group=group_id,
        event_id=envelope.id,
        event_type=envelope.type,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        **values,
    )


def known_fields(model: type[EventData], data: dict[str, Any]) -> dict[str, Any]:
    """Drop fields this consumer's model does not know: a producer that added an optional
    field (upgraded first, during a rolling deploy) must not dead-letter older consumers."""
    names = {name for name in model.model_fields} | {f.alias for f in model.model_fields.values() if f.alias}
    return {key: value for key, value in data.items() if key in names}


class ConsumerMetrics:
    """One set per registry: several runners of one service share it (labelled by group)."""

    _by_registry: ClassVar[weakref.WeakKeyDictionary[CollectorRegistry, ConsumerMetrics]] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, registry: CollectorRegistry) -> ConsumerMetrics:
        if registry not in cls._by_registry:
            cls._by_registry[registry] = cls(registry)
        return cls._by_registry[registry]

    def __init__(self, registry: CollectorRegistry) -> None:
        self.handled = Counter(
            "events_consumed_total", "Events consumed by outcome", ["group", "type", "outcome"], registry=registry
        )
        self.lag = Gauge(
            "kafka_consumer_lag", "Records behind the partition end", ["group", "topic", "partition"], registry=registry
        )
        self.restarts = Counter(
            "kafka_consumer_restarts_total", "Consumer restarts after a failure", ["group"], registry=registry
        )
        self.revocations = Counter(
            "kafka_consumer_revocations_total", "Partition revocations (rebalances) seen", ["group"], registry=registry
        )
        self.retries = Counter(
            "event_handler_retries_total",
            "Handler attempts that failed and were retried",
            ["group", "type"],
            registry=registry,
        )


class ConsumerRunner:
    """Consumes ``topics`` as consumer group ``group_id`` and dispatches to registered handlers."""

    def __init__(
        self,
        *,
        service: str,
        bootstrap_servers: str,
        sessions: async_sessionmaker[AsyncSession],
        topics: list[str],
        group_id: str | None = None,
        registry: CollectorRegistry | None = None,
        max_attempts: int = 5,
        min_backoff: float = 0.1,
        max_backoff: float = 5.0,
        max_poll_records: int = 200,
        max_poll_interval_ms: int = 300_000,
        session_timeout_ms: int = 10_000,
        keepalive_interval: float = 1.0,
        inbox_retention: timedelta = timedelta(days=30),
        commit_interval: float = 0.5,
        max_batch: int = 20,
        fetch_max_wait_ms: int = 50,
    ) -> None:
        self.service = service
        self.group_id = group_id or service
        self.bootstrap_servers = bootstrap_servers
        self.sessions = sessions
        self.topics = topics
        self.max_attempts = max_attempts
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.max_poll_records = max_poll_records
        self.max_poll_interval_ms = max_poll_interval_ms
        self.session_timeout_ms = session_timeout_ms
        self.keepalive_interval = keepalive_interval
        self.inbox_retention = inbox_retention
        self.commit_interval = commit_interval
        self.max_batch = max_batch
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.metrics = ConsumerMetrics.of(registry or CollectorRegistry())
        self.handlers: dict[str, tuple[type[EventData], Handler]] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._dlq_producer: AIOKafkaProducer | None = None
        self._stopping = asyncio.Event()
        self._in_flight: asyncio.Task | None = None
        self._processed: dict[TopicPartition, int] = {}  # next offset to commit, per partition
        self._backlog: dict[TopicPartition, list[ConsumerRecord]] = defaultdict(list)

    def on(self, model: type[E]) -> Callable[[Callable[[AsyncSession, ReceivedEvent[E]], Awaitable[None]]], Any]:
        """Register the handler of one event type (decorator)."""

        def register(handler: Callable[[AsyncSession, ReceivedEvent[E]], Awaitable[None]]) -> Any:
            if model.type in self.handlers:
                raise ValueError(f"a handler for {model.type} is already registered")
            self.handlers[model.type] = (model, handler)
            return handler

        return register

    # --- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        self._processed.clear()
        self._backlog.clear()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            group_id=self.group_id,
            client_id=f"{self.service}-consumer-{uuid.uuid4().hex[:6]}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=self.max_poll_records,
            max_poll_interval_ms=self.max_poll_interval_ms,
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=max(self.session_timeout_ms // 4, 500),
            # The broker answers a fetch as soon as a record arrives; this bounds the wait when it
            # does not (the default, 500 ms, is then added to an event's delivery).
            fetch_max_wait_ms=self.fetch_max_wait_ms,
        )
        consumer.subscribe(self.topics, listener=_RebalanceListener(self))
        self._consumer = consumer  # set first: a failure below is cleaned up by _shutdown
        await consumer.start()
        self._dlq_producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers, enable_idempotence=True, acks="all"
        )
        await self._dlq_producer.start()

    async def run(self) -> None:
        """Consume until :meth:`stop`. Any failure — the broker unreachable at start, a poll or
        a database error escaping — restarts the consumer after a backoff; it never dies quietly."""
        backoff = self.min_backoff
        while not self._stopping.is_set():
            try:
                await self._run_once()
                return
            except Exception as exc:
                log.error("consumer_failed_restarting", group=self.group_id, error=repr(exc), retry_in_s=backoff)
                self.metrics.restarts.labels(self.group_id).inc()
                await self._shutdown()
                try:
                    await asyncio.wait_for(self._stopping.wait(), backoff)
                except TimeoutError:
                    pass
                backoff = min(backoff * 2, self.max_backoff * 6)

    async def _run_once(self) -> None:
        if self._consumer is None:
            await self.start()
        assert self._consumer is not None
        last_cleanup = last_commit = 0.0
        poll_backoff = self.min_backoff
        try:
            while not self._stopping.is_set():
                if any(self._backlog.values()):
                    batch, self._backlog = dict(self._backlog), defaultdict(list)
                else:
                    try:
                        batch = await self._consumer.getmany(timeout_ms=500)
                    except KafkaError as exc:  # one warning per back-off step, never a flood
                        log.warning("consumer_poll_failed", error=repr(exc), retry_in_s=poll_backoff)
                        await asyncio.sleep(poll_backoff)
                        poll_backoff = min(poll_backoff * 2, self.max_backoff)
                        continue
                    poll_backoff = self.min_backoff
                for partition, records in batch.items():
                    await self._handle_partition(partition, records)
                # Offsets are committed at most every commit_interval (and on revocation and at
                # shutdown), not after every batch: a broker round trip less between an event and
                # the next. A redelivery after a crash is skipped by the inbox.
                if time.monotonic() - last_commit >= self.commit_interval:
                    await self._commit(list(self._processed))
                    last_commit = time.monotonic()
                await self._update_lag()
                if time.monotonic() - last_cleanup > 3600:
                    await self._cleanup_inbox()
                    last_cleanup = time.monotonic()
        finally:
            # Stopping, failing or being cancelled: leave the group and commit what was processed.
            await self._shutdown()

    def stop(self) -> None:
        self._stopping.set()

    async def _shutdown(self) -> None:
        consumer = self._consumer
        if consumer is not None:
            try:
                await self._commit(list(self._processed))
            except Exception as exc:  # committed later by whoever gets the partition; the inbox dedupes
                log.info("final_commit_failed", error=repr(exc))
            self._consumer = None
            try:
                await consumer.stop()
            except Exception as exc:
                log.info("consumer_stop_failed", error=repr(exc))
        producer, self._dlq_producer = self._dlq_producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception as exc:
                log.info("dlq_producer_stop_failed", error=repr(exc))

    # --- records -----------------------------------------------------------------

    async def _handle_partition(self, partition: TopicPartition, records: list[ConsumerRecord]) -> None:
        assert self._consumer is not None
        # Records fetched together are applied in one transaction, up to max_batch of them —
        # one commit for all (under load, a commit per event is what limits a consumer), and
        # never so many that the first waits long for the last; when that is not possible (see
        # _apply_together), each is applied on its own below, with its retries and dead letter.
        for start in range(0, len(records), self.max_batch):
            chunk = records[start : start + self.max_batch]
            if self._stopping.is_set() or partition not in self._consumer.assignment():
                return  # revoked meanwhile: the new owner resumes from the committed offset
            if len(chunk) > 1 and await self._run_with_keepalive(self._apply_together(partition, chunk)):
                continue
            for record in chunk:
                if self._stopping.is_set() or partition not in self._consumer.assignment():
                    return
                await self._run_with_keepalive(self._process_and_track(partition, record))

    async def _process_and_track(self, partition: TopicPartition, record: ConsumerRecord) -> None:
        await self._process(record)
        # Part of the in-flight work: a revocation waiting for it commits this offset too.
        self._processed[partition] = record.offset + 1

    async def _run_with_keepalive(self, work: Awaitable[T]) -> T:
        """Run ``work`` while polling with paused partitions, so a slow handler keeps the membership."""
        assert self._consumer is not None
        task = asyncio.ensure_future(work)
        self._in_flight = task
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=self.keepalive_interval)
                if done:
                    return task.result()
                paused = self._consumer.assignment()
                self._consumer.pause(*paused)
                try:
                    # Returns records only of partitions assigned during this call (a rebalance):
                    # keep them, in order, for after the current record.
                    extra = await self._consumer.getmany(timeout_ms=0)
                    for partition, records in extra.items():
                        self._backlog[partition].extend(records)
                finally:
                    self._consumer.resume(*[p for p in paused if p in self._consumer.assignment()])
        finally:
            self._in_flight = None

    async def _process(self, record: ConsumerRecord) -> None:
        replay_for = next((v.decode() for k, v in record.headers or () if k == REPLAY_FOR_GROUP_HEADER), None)
        if replay_for is not None and replay_for != self.group_id:
            # A dead letter replayed for another consumer group: not this one's to apply again.
            self.metrics.handled.labels(self.group_id, "replay", "ignored").inc()
            return
        try:
            envelope = decode_envelope(record.value)
        except (ValueError, ValidationError) as exc:
            await self._dead_letter(record, exc, envelope=None)
            return
        registered = self.handlers.get(envelope.type)
        if registered is None:
            self.metrics.handled.labels(self.group_id, envelope.type, "ignored").inc()
            return
        model, handler = registered
        try:
            event = ReceivedEvent(
                envelope=envelope, data=model.model_validate(known_fields(model, envelope.data)), record=record
            )
        except ValidationError as exc:
            await self._dead_letter(record, exc, envelope=envelope)
            return

        attempt = 0
        backoff = self.min_backoff
        while True:
            try:
                with event_context(envelope.correlationid, str(envelope.id)):
                    applied = await self._apply(event, handler)
                self.metrics.handled.labels(self.group_id, envelope.type, "applied" if applied else "duplicate").inc()
                return
            except PermanentError as exc:
                await self._dead_letter(record, exc, envelope=envelope)
                return
            except Exception as exc:
                transient = is_transient(exc)
                if not transient:  # an outage is waited out; only the event's own failures count
                    attempt += 1
                self.metrics.retries.labels(self.group_id, envelope.type).inc()
                if not transient and attempt >= self.max_attempts:
                    await self._dead_letter(record, exc, envelope=envelope)
                    return
                log.warning(
                    "event_handler_failed",
                    event_id=str(envelope.id),
                    event_type=envelope.type,
                    attempt=attempt,
                    transient=transient,
                    error=repr(exc),
                    retry_in_s=backoff,
                )
                if self._stopping.is_set():
                    raise  # not handled, not committed: redelivered after restart
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)

    async def _apply_together(self, partition: TopicPartition, records: list[ConsumerRecord]) -> bool:
        """Apply ``records`` in one database transaction, each event with its inbox row exactly
        as :meth:`_apply` does; True once committed (their offsets are then processed).

        False, with nothing applied, when any record needs the one-by-one path: a replay from
        the dead-letter topic, a record that does not decode, or any failure of a handler or of
        the database (the transaction is rolled back: the events are then applied one by one,
        so a failing event costs only itself its retries or its dead letter)."""
        items: list[tuple[ReceivedEvent[Any], Handler]] = []
        ignored: list[str] = []
        for record in records:
            if any(key == REPLAY_FOR_GROUP_HEADER for key, _ in record.headers or ()):
                return False
            try:
                envelope = decode_envelope(record.value)
            except (ValueError, ValidationError):
                return False
            registered = self.handlers.get(envelope.type)
            if registered is None:
                ignored.append(envelope.type)
                continue
            model, handler = registered
            try:
                data = model.model_validate(known_fields(model, envelope.data))
            except ValidationError:
                return False
            items.append((ReceivedEvent(envelope=envelope, data=data, record=record), handler))
        applied: list[bool] = []
        try:
            async with self.sessions() as session, session.begin():
                for event, handler in items:
                    with event_context(event.envelope.correlationid, str(event.envelope.id)):
                        applied.append(await self._apply_in(session, self.group_id, event, handler))
        except Exception as exc:
            log.info("batch_applied_one_by_one", group=self.group_id, records=len(records), error=repr(exc))
            return False
        for (event, _), was_applied in zip(items, applied, strict=True):
            outcome = "applied" if was_applied else "duplicate"
            self.metrics.handled.labels(self.group_id, event.envelope.type, outcome).inc()
        for event_type in ignored:
            self.metrics.handled.labels(self.group_id, event_type, "ignored").inc()
        self._processed[partition] = records[-1].offset + 1
        return True

    async def _apply(self, event: ReceivedEvent[Any], handler: Handler) -> bool:
        """Inbox row and handler effect in one transaction; False when already handled."""
        async with self.sessions() as session, session.begin():
            return await self._apply_in(session, self.group_id, event, handler)

    @staticmethod
    async def _apply_in(session: AsyncSession, group_id: str, event: ReceivedEvent[Any], handler: Handler) -> bool:
        """Inbox row and handler effect in the session's transaction; False when already handled.

        Handled *by this consumer group*: two groups of one service that read the same topic
        (stats-service's projection and the platform's unit tree both read unit.*) each apply
        the event once — one group's row never makes the other skip it.

        An event dead-lettered earlier counts as handled when the same record comes again
        (a redelivery), but not when it comes from another position: that is a replay from
        the dead-letter topic (``enforcement-dlq replay``), after the cause was fixed."""
        row = _inbox_row(group_id, event.envelope, event.record)
        inserted = await session.execute(
            row.on_conflict_do_update(
                index_elements=[inbox.c.consumer_group, inbox.c.event_id],
                set_={
                    "outcome": "processed",
                    "topic": row.excluded.topic,
                    "partition": row.excluded.partition,
                    "offset": row.excluded.offset,
                    "processed_at": func.now(),
                },
                where=(inbox.c.outcome == "dead_lettered")
                & tuple_(inbox.c.topic, inbox.c.partition, inbox.c.offset).is_distinct_from(
                    tuple_(row.excluded.topic, row.excluded.partition, row.excluded.offset)
                ),
            ).returning(inbox.c.event_id)
        )
        if inserted.first() is None:
            return False
        await handler(session, event)
        return True

    async def _dead_letter(self, record: ConsumerRecord, error: BaseException, *, envelope: Envelope | None) -> None:
        """Park the original record on ``<service>.dlq`` with the error in headers; then move on."""
        assert self._dlq_producer is not None
        headers = [
            *list(record.headers or ()),
            ("dlq_error_type", type(error).__name__.encode()),
            ("dlq_error", str(error)[:4000].encode()),
            ("dlq_source_topic", record.topic.encode()),
            ("dlq_source_partition", str(record.partition).encode()),
            ("dlq_source_offset", str(record.offset).encode()),
            ("dlq_consumer_group", self.group_id.encode()),
        ]
        backoff = self.min_backoff
        while True:
            try:
                await self._dlq_producer.send_and_wait(
                    dead_letter_topic(self.service), record.value, key=record.key, headers=headers
                )
                break
            except KafkaError as exc:  # the DLQ must not lose the record either
                if self._stopping.is_set():
                    raise
                log.warning("dead_letter_failed", error=repr(exc))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
        log.error(
            "event_dead_lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            event_type=envelope.type if envelope else None,
            error=repr(error),
        )
        self.metrics.handled.labels(self.group_id, envelope.type if envelope else "undecodable", "dead_lettered").inc()
        if envelope is not None:  # a redelivery is then skipped instead of dead-lettered twice
            async with self.sessions() as session, session.begin():
                await session.execute(
                    _inbox_row(self.group_id, envelope, record, outcome="dead_lettered")
                    # A replayed record that fails again: remember its position, so that a
                    # redelivery of it is skipped too (and a later replay is not).
                    .on_conflict_do_update(
                        index_elements=[inbox.c.consumer_group, inbox.c.event_id],
                        set_={"topic": record.topic, "partition": record.partition, "offset": record.offset},
                        where=inbox.c.outcome == "dead_lettered",
                    )
                )

    # --- offsets, lag, housekeeping ------------------------------------------------

    async def _commit(self, partitions: list[TopicPartition]) -> None:
        if self._consumer is None:
            return
        offsets = {
            p: self._processed[p] for p in partitions if p in self._processed and p in self._consumer.assignment()
        }
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance took the partition: its new owner may redeliver, and the inbox dedupes.
            log.info("offset_commit_failed", error=repr(exc))

    async def on_revoked(self, revoked: set[TopicPartition]) -> None:
        if revoked:
            self.metrics.revocations.labels(self.group_id).inc()
        if self._in_flight is not None and not self._in_flight.done():
            await asyncio.wait({self._in_flight})
        await self._commit([p for p in revoked if p in self._processed])
        for partition in revoked:
            self._processed.pop(partition, None)
            self._backlog.pop(partition, None)

    async def _update_lag(self) -> None:
        assert self._consumer is not None
        for partition in self._consumer.assignment():
            highwater = self._consumer.highwater(partition)
            if highwater is None:
                continue
            try:
                position = await self._consumer.position(partition)
            except KafkaError:
                continue
            self.metrics.lag.labels(self.group_id, partition.topic, str(partition.partition)).set(
                max(highwater - position, 0)
            )

    async def _cleanup_inbox(self) -> None:
        try:
            async with self.sessions() as session, session.begin():
                await session.execute(delete(inbox).where(inbox.c.processed_at < func.now() - self.inbox_retention))
        except Exception as exc:
            log.info("inbox_cleanup_failed", error=repr(exc))


class _RebalanceListener(ConsumerRebalanceListener):
    def __init__(self, runner: ConsumerRunner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self.runner.on_revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info("partitions_assigned", partitions=sorted(f"{p.topic}[{p.partition}]" for p in assigned))
