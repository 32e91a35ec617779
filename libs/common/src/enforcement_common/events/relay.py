"""The outbox relay: publishes committed outbox rows to Kafka, in order per key.

How it keeps its promises:

* **Nothing lost.** A row is marked published only after Kafka acknowledged it
  (idempotent producer, ``acks=all``). A crash between the acknowledgement and the
  mark republishes the row later: delivery is at least once and consumers dedupe
  by event id, per consumer group (the inbox).
* **Per-key order, with several relays.** Each batch takes a transaction-scoped
  advisory lock per key (``pg_try_advisory_xact_lock``); a key locked by another
  relay is left to it. With the lock held, the key's pending rows are read afresh
  and sent one after another, each awaited before the next, so a failed send is
  never overtaken by a later one of the same key. Different keys go concurrently.
* **Late commits are not skipped.** No high-water mark: every row whose
  ``published_at`` is null is pending, whenever its transaction committed.
* **Woken by LISTEN/NOTIFY**, with polling as the fallback when a notification is
  missed or the listening connection is down.
* **Kafka down:** backs off (exponentially, capped) and recreates the producer
  after any failure, so a fatal producer state (fenced, out-of-order sequence after
  a broker restart) never stalls it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from enforcement_common.events.tables import NOTIFY_CHANNEL

log = structlog.get_logger(__name__)

#: First key of the two-int advisory lock, so relay locks never collide with other locks.
RELAY_LOCK_NAMESPACE = 730_001


@dataclass(frozen=True)
class PendingRow:
    id: int
    topic: str
    key: str
    event_type: str
    event_id: str
    payload: dict


class RelayMetrics:
    def __init__(self, registry: CollectorRegistry, service: str) -> None:
        labels = ["service"]
        self.pending = Gauge("outbox_pending_events", "Outbox rows not yet published", labels, registry=registry)
        self.oldest_age = Gauge(
            "outbox_oldest_pending_age_seconds", "Age of the oldest unpublished outbox row", labels, registry=registry
        )
        self.published = Counter("outbox_published_total", "Outbox rows published", labels, registry=registry)
        self.failures = Counter(
            "outbox_publish_failures_total", "Failed relay rounds (Kafka or database)", labels, registry=registry
        )
        self.service = service


class OutboxRelay:
    """Publishes a service's outbox; run one or more per service (``await relay.run()``)."""

    def __init__(
        self,
        engine: AsyncEngine,
        bootstrap_servers: str,
        *,
        service: str,
        registry: CollectorRegistry | None = None,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        retention: timedelta = timedelta(days=7),
        cleanup_interval: float = 600.0,
        min_backoff: float = 0.1,
        max_backoff: float = 5.0,
        request_timeout_ms: int = 5000,
    ) -> None:
        self.engine = engine
        self.bootstrap_servers = bootstrap_servers
        self.service = service
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retention = retention
        self.cleanup_interval = cleanup_interval
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.request_timeout_ms = request_timeout_ms
        #: A send not acknowledged by then fails the round (the broker is away).
        self.send_timeout = 2 * request_timeout_ms / 1000
        self.metrics = RelayMetrics(registry or CollectorRegistry(), service)
        self._producer: AIOKafkaProducer | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._last_cleanup = 0.0
        self._last_gauges = 0.0

    # --- lifecycle ---------------------------------------------------------------

    async def run(self) -> None:
        """Publish until :meth:`stop`; never returns on a Kafka or database failure, it retries."""
        self._stopping.clear()
        listener = asyncio.create_task(self._listen(), name=f"{self.service}-outbox-listen")
        backoff = self.min_backoff
        try:
            while not self._stopping.is_set():
                try:
                    published = await self.publish_pending()
                    backoff = self.min_backoff
                except Exception as exc:  # Kafka or PostgreSQL unavailable: back off, then retry
                    self.metrics.failures.labels(self.service).inc()
                    log.warning("outbox_relay_failed", error=repr(exc), retry_in_s=backoff)
                    await self._discard_producer()
                    await self._sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                try:
                    await self._housekeeping()
                except Exception as exc:  # metrics and cleanup must never hold up publishing
                    log.warning("outbox_housekeeping_failed", error=repr(exc))
                if published < self.batch_size:
                    await self._sleep(self.poll_interval, wake_on_notify=True)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            await self._discard_producer()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    # --- one round ---------------------------------------------------------------

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows; return how many were published."""
        self._wake.clear()  # a notification arriving from now on triggers another round
        producer = await self._ensure_producer()
        async with self.engine.connect() as connection:
            async with connection.begin():
                rows = await self._claim(connection)
                if not rows:
                    return 0
                by_key: OrderedDict[str, list[PendingRow]] = OrderedDict()
                for row in rows:
                    by_key.setdefault(row.key, []).append(row)
                results = await asyncio.gather(
                    *(self._send_in_order(producer, key_rows) for key_rows in by_key.values())
                )
                acked = [row_id for ids, _ in results for row_id in ids]
                failures = [
                    (key_rows[len(ids)], error)
                    for (ids, error), key_rows in zip(results, by_key.values(), strict=True)
                    if error
                ]
                if acked:
                    await self._mark_published(connection, acked)
                for row, error in failures:
                    await connection.execute(
                        text("UPDATE outbox SET attempts = attempts + 1, last_error = :error WHERE id = :id"),
                        {"id": row.id, "error": repr(error)[:2000]},
                    )
        self.metrics.published.labels(self.service).inc(len(acked))
        if failures:
            raise failures[0][1]
        return len(acked)

    async def _claim(self, connection: AsyncConnection) -> list[PendingRow]:
        locked = (
            (
                await connection.execute(
                    # Keys by their oldest pending row: a key stuck on a row that cannot be sent
                    # holds up only itself, never every other key behind its backlog. Each key's
                    # lock is tried in the same statement (one round trip): a key locked by another
                    # relay is left to it.
                    text(
                        "SELECT key FROM (SELECT key, min(id) AS first FROM outbox WHERE published_at IS NULL "
                        "GROUP BY key ORDER BY min(id) LIMIT :limit) AS candidates "
                        "WHERE pg_try_advisory_xact_lock(:namespace, hashtext(key)) ORDER BY first"
                    ),
                    {"limit": self.batch_size, "namespace": RELAY_LOCK_NAMESPACE},
                )
            )
            .scalars()
            .all()
        )
        if not locked:
            return []
        # A fresh statement after taking the locks: rows another relay published
        # meanwhile are no longer pending, so nothing is sent twice by overlap.
        result = await connection.execute(
            text(
                "SELECT id, topic, key, event_type, event_id::text AS event_id, payload FROM outbox "
                "WHERE published_at IS NULL AND key = ANY(CAST(:keys AS text[])) ORDER BY id LIMIT :limit"
            ),
            {"keys": list(locked), "limit": self.batch_size},
        )
        return [PendingRow(**row._mapping) for row in result]

    async def _send_in_order(
        self, producer: AIOKafkaProducer, rows: list[PendingRow]
    ) -> tuple[list[int], Exception | None]:
        """Send one key's rows one after another; stop at the first failure."""
        acked: list[int] = []
        for row in rows:
            try:
                # Bounded: with the broker away aiokafka keeps a queued batch (and reconnects)
                # for ever; the round must fail instead — counted, logged once, backed off.
                async with asyncio.timeout(self.send_timeout):
                    delivery = await producer.send(
                        row.topic,
                        json.dumps(row.payload, ensure_ascii=False, separators=(",", ":")).encode(),
                        key=row.key.encode(),
                        headers=[("ce_type", row.event_type.encode()), ("ce_id", row.event_id.encode())],
                    )
                    await delivery
            except Exception as exc:
                return acked, exc
            acked.append(row.id)
        return acked, None

    async def _mark_published(self, connection: AsyncConnection, ids: list[int]) -> None:
        await connection.execute(
            text("UPDATE outbox SET published_at = now() WHERE id = ANY(CAST(:ids AS bigint[]))"), {"ids": ids}
        )

    # --- producer ------------------------------------------------------------------

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap_servers,
                client_id=f"{self.service}-outbox-relay",
                enable_idempotence=True,
                acks="all",
                linger_ms=2,
                request_timeout_ms=self.request_timeout_ms,
            )
            try:
                await producer.start()
            except Exception:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _discard_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), 10)
            except Exception as exc:  # a broken producer may fail to close; it is dropped either way
                log.info("outbox_producer_close_failed", error=repr(exc))

    # --- waiting, notifications, housekeeping -------------------------------------

    async def _sleep(self, seconds: float, *, wake_on_notify: bool = False) -> None:
        waiter = self._wake if wake_on_notify else self._stopping
        try:
            await asyncio.wait_for(waiter.wait(), seconds)
        except TimeoutError:
            pass

    async def _listen(self) -> None:
        """Hold a LISTEN connection; reconnect when it drops (polling covers the gap)."""
        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stopping.is_set():
            connection = None
            try:
                connection = await asyncpg.connect(dsn, timeout=5)
                await connection.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
                self._wake.set()  # catch up on anything committed while not listening
                while not self._stopping.is_set() and not connection.is_closed():
                    await self._sleep(1.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.info("outbox_listen_failed", error=repr(exc))
                await self._sleep(self.max_backoff)
            finally:
                if connection is not None and not connection.is_closed():
                    await connection.close(timeout=2)

    async def _housekeeping(self) -> None:
        if time.monotonic() - self._last_gauges < 1.0:  # at most once a second, not every round
            return
        self._last_gauges = time.monotonic()
        async with self.engine.connect() as connection:
            pending, oldest = (
                await connection.execute(
                    text(
                        "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
                        "FROM outbox WHERE published_at IS NULL"
                    )
                )
            ).one()
        self.metrics.pending.labels(self.service).set(pending)
        self.metrics.oldest_age.labels(self.service).set(float(oldest))
        if time.monotonic() - self._last_cleanup >= self.cleanup_interval:
            await self.cleanup()
            self._last_cleanup = time.monotonic()

    async def cleanup(self) -> int:
        """Delete rows published longer ago than the retention (in bounded batches); return how many."""
        async with self.engine.begin() as connection:
            result = await connection.execute(
                text(
                    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox "
                    "WHERE published_at < now() - CAST(:retention AS interval) ORDER BY id LIMIT 10000)"
                ),
                {"retention": self.retention},
            )
            return result.rowcount
