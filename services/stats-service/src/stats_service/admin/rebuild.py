"""Rebuild (重建) of the projection: every topic replayed from offset 0 into a shadow generation
while the live one keeps serving, compared with it, then switched atomically.

* **One at a time**: a unique index admits one ``running`` rebuild; the runner holds an
  advisory lock, so two replicas never replay the same rebuild.
* **Resumable**: each batch's projection rows and the rebuild's consumed positions commit in
  one transaction; after a crash the runner (a periodic job) seeks to those positions.
* **Never ahead of the live projection**: a record at or beyond the live generation's
  position of its partition waits until the live consumer has applied it (unless it is
  one the live projection does not apply: a type it does not count, or another copy of an
  event logged at another position). So the shadow reaches exactly the live positions.
* **Switch**: with the state row locked (``FOR UPDATE``: the live consumer waits), the shadow's
  positions equal the live ones; the two generations are compared table by table and
  ``live_gen`` moves to the shadow. The old generation is dropped.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from enforcement_common.events.envelope import decode_envelope
from enforcement_common.topics import EVENT_TOPICS
from stats_service import errors
from stats_service.admin.schemas import RebuildRead
from stats_service.models import LoggedEvent, ProjectionState, Rebuild
from stats_service.projection.service import (
    APPLIED_TYPES,
    PROJECTION_TABLES,
    TOPICS,
    apply_many,
    drop_generation,
    fold_of,
    live_generation,
    position_key,
    positions_of,
    switch_live,
)

log = structlog.get_logger(__name__)

#: Advisory lock key of the rebuild runner ("stats-rb").
RUNNER_LOCK = 0x7374617473_7262 % (2**63)
#: Columns left out of the comparison (when a row was written, not what it says).
NOT_COMPARED = {"gen", "applied_at"}


async def start(session: AsyncSession) -> Rebuild:
    """A new rebuild into the next generation (409 while one runs)."""
    if await session.scalar(select(Rebuild.id).where(Rebuild.status == "running")):
        raise errors.REBUILD_RUNNING("One rebuild at a time: follow the running one (GET /admin/rebuild/{id}).")
    live = await live_generation(session)
    highest = await session.scalar(select(func.max(Rebuild.gen)))
    gen = max(live, highest or 0) + 1
    await drop_generation(session, gen)  # leftovers of a failed attempt
    rebuild = Rebuild(id=uuid.uuid4(), gen=gen, status="running", positions={}, targets={}, events_done=0)
    session.add(rebuild)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise errors.REBUILD_RUNNING("One rebuild at a time.") from None
    return rebuild


def progress(rebuild: Rebuild, now: datetime | None = None) -> RebuildRead:
    now = now or datetime.now(UTC)
    elapsed = ((rebuild.finished_at or rebuild.updated_at) - rebuild.started_at).total_seconds()
    rate = rebuild.events_done / elapsed if elapsed > 0 else None
    remaining = sum(max(t - rebuild.positions.get(k, 0), 0) for k, t in rebuild.targets.items())
    return RebuildRead(
        id=rebuild.id,
        gen=rebuild.gen,
        status=rebuild.status,
        events_done=rebuild.events_done,
        events_per_second=round(rate, 1) if rate else None,
        records_remaining=remaining if rebuild.targets else None,
        eta_seconds=round(remaining / rate, 1) if rate and rebuild.status == "running" and rebuild.targets else None,
        positions=rebuild.positions,
        targets=rebuild.targets,
        started_at=rebuild.started_at,
        updated_at=rebuild.updated_at,
        finished_at=rebuild.finished_at,
        differences=rebuild.differences,
        error=rebuild.error,
    )


async def compare(session: AsyncSession, live: int, shadow: int) -> list[dict[str, Any]]:
    """Rows of each projection table present in one generation and not the other."""
    out = []
    for model in PROJECTION_TABLES:
        table = model.__table__
        columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name not in NOT_COMPARED)
        name = table.name
        counts = (
            await session.execute(
                text(
                    f"SELECT (SELECT count(*) FROM (SELECT {columns} FROM {name} WHERE gen = :a "
                    f"EXCEPT ALL SELECT {columns} FROM {name} WHERE gen = :b) x), "
                    f"(SELECT count(*) FROM (SELECT {columns} FROM {name} WHERE gen = :b "
                    f"EXCEPT ALL SELECT {columns} FROM {name} WHERE gen = :a) y)"
                ),
                {"a": live, "b": shadow},
            )
        ).one()
        if counts[0] or counts[1]:
            out.append({"table": name, "only_live": counts[0], "only_rebuilt": counts[1]})
    return out


async def _live_positions(session: AsyncSession) -> dict[str, int]:
    return await positions_of(session, await live_generation(session))


async def _passes_live(
    session: AsyncSession, envelope_type: str, event_id: uuid.UUID, topic: str, partition: int, offset: int
) -> bool:
    """A record beyond the live position that the live projection will never apply."""
    if envelope_type not in APPLIED_TYPES:
        return True
    logged = await session.get(LoggedEvent, event_id)
    return logged is not None and (logged.topic, logged.partition, logged.offset) != (topic, partition, offset)


async def run(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    bootstrap_servers: str,
    rebuild_id: uuid.UUID,
    *,
    batch_size: int = 2000,
    idle_rounds_before_wait: int = 3,
    max_batches: int | None = None,
) -> str:
    """Replay into the rebuild's generation until it can switch; returns the rebuild's status
    (``running`` when ``max_batches`` ran out — the test's crash — or another runner holds it)."""
    async with engine.connect() as lock_conn:
        if not (await lock_conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": RUNNER_LOCK})).scalar():
            return "running"
        try:
            return await _run(sessions, bootstrap_servers, rebuild_id, batch_size, max_batches)
        except Exception as exc:
            log.error("rebuild_failed", rebuild_id=str(rebuild_id), error=repr(exc))
            async with sessions() as session, session.begin():
                rebuild = await session.get(Rebuild, rebuild_id, with_for_update=True)
                if rebuild is not None and rebuild.status == "running":
                    rebuild.error = repr(exc)[:2000]
            raise
        finally:
            await lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RUNNER_LOCK})


async def _run(
    sessions: async_sessionmaker[AsyncSession],
    bootstrap_servers: str,
    rebuild_id: uuid.UUID,
    batch_size: int,
    max_batches: int | None,
) -> str:
    async with sessions() as session:
        rebuild = await session.get(Rebuild, rebuild_id)
        if rebuild is None or rebuild.status != "running":
            return rebuild.status if rebuild else "missing"
        gen, consumed = rebuild.gen, dict(rebuild.positions)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=batch_size,
    )
    await consumer.start()
    try:
        partitions = topic_partitions()
        consumer.assign(partitions)
        beginnings = await consumer.beginning_offsets(partitions)
        for tp in partitions:
            consumer.seek(tp, max(consumed.get(position_key(tp.topic, tp.partition), 0), beginnings[tp]))
        async with sessions() as session, session.begin():
            rebuild = await session.get(Rebuild, rebuild_id, with_for_update=True)
            if not rebuild.targets:  # the end of every partition when the rebuild first ran
                ends = await consumer.end_offsets(partitions)
                rebuild.targets = {position_key(tp.topic, tp.partition): ends[tp] for tp in partitions}
            targets = dict(rebuild.targets)
        batches = 0
        while True:
            if max_batches is not None and batches >= max_batches:
                return "running"  # stopped here, as by a crash: what committed stays
            fetched = await consumer.getmany(timeout_ms=200, max_records=batch_size)
            batches += bool(fetched)
            async with sessions() as session, session.begin():
                live = await _live_positions(session)
                done = 0
                folds = []
                for tp, records in fetched.items():
                    key = position_key(tp.topic, tp.partition)
                    for record in records:
                        envelope = decode_envelope(record.value)
                        if record.offset >= live.get(key, 0) and not await _passes_live(
                            session, envelope.type, envelope.id, tp.topic, tp.partition, record.offset
                        ):
                            consumer.seek(tp, record.offset)  # the live consumer has not applied it yet
                            break
                        fold = fold_of(envelope, tp.topic, tp.partition, record.offset)
                        if fold is not None:
                            folds.append(fold)
                        consumed[key] = record.offset + 1
                        done += 1
                await apply_many(session, gen, folds)
                rebuild = await session.get(Rebuild, rebuild_id, with_for_update=True)
                rebuild.positions = dict(consumed)
                rebuild.events_done += done
                rebuild.updated_at = datetime.now(UTC)
            caught_up = all(consumed.get(k, 0) >= max(t, live.get(k, 0)) for k, t in targets.items())
            if caught_up:
                status = await _try_switch(sessions, rebuild_id, gen, consumed)
                if status != "running":
                    return status
            if fetched and not done:
                await asyncio.sleep(0.2)  # waiting for the live consumer to apply what comes next
    finally:
        await consumer.stop()


def topic_partitions() -> list[TopicPartition]:
    """Every partition of the topics the projection reads (the platform's topic catalogue)."""
    counts = {t.name: t.partitions for t in EVENT_TOPICS}
    return [TopicPartition(topic, p) for topic in TOPICS for p in range(counts[topic])]


async def _try_switch(
    sessions: async_sessionmaker[AsyncSession], rebuild_id: uuid.UUID, gen: int, consumed: dict[str, int]
) -> str:
    """Under the state row's lock: when the shadow has exactly the live positions, compare and switch."""
    async with sessions() as session, session.begin():
        state = (
            await session.execute(select(ProjectionState).where(ProjectionState.id == 1).with_for_update())
        ).scalar_one()
        live_gen = state.live_gen
        live = await positions_of(session, live_gen)
        shadow = await positions_of(session, gen)
        if any(consumed.get(k, 0) < v for k, v in live.items()) or shadow != live:
            return "running"  # the live consumer moved on: catch up first
        differences = await compare(session, live_gen, gen)
        await switch_live(session, gen)
        await drop_generation(session, live_gen)
        rebuild = await session.get(Rebuild, rebuild_id, with_for_update=True)
        rebuild.status = "switched"
        rebuild.differences = differences
        rebuild.finished_at = rebuild.updated_at = datetime.now(UTC)
        log.info("rebuild_switched", rebuild_id=str(rebuild_id), gen=gen, differences=differences)
        return "switched"


async def resume_running(app: Any) -> None:
    """The periodic job: carry on a running rebuild (after a crash, or started by the API)."""
    async with app.state.sessions() as session:
        rebuild_id = await session.scalar(select(Rebuild.id).where(Rebuild.status == "running"))
    if rebuild_id is None:
        return
    settings = app.state.settings
    await run(
        app.state.engine,
        app.state.sessions,
        settings.kafka_bootstrap_servers,
        rebuild_id,
        batch_size=settings.rebuild_batch_size,
    )
