"""stats-service benchmark (figures and ratios; the machine is shared, so ratios matter).

1. **County-year query**: a projection holding 1 000 000 cases across 100 counties (10
   townships each, two years) — the counters by unit × day × category × measure that the
   projection keeps — against a naive GROUP BY over a plain table of the same cases. Both
   are generated in PostgreSQL (INSERT … SELECT over generate_series, no REST): the plain
   table first, the counters from it by the same counting rules (STAT-7: filed/decided/closed
   on their own days, the heaviest kind, amounts at the decision). Every timed query's answer
   is checked equal to the naive one. p50 / p99 over random counties.
2. **Replay throughput**: events of generated cases published to the real Kafka, applied by
   the live consumer (ConsumerRunner + inbox), then replayed by a rebuild from offset 0 into a
   shadow generation; against a bare aiokafka consume of the same topics.
3. **Rebuild of the 1M-case history**: its wall time estimated from the measured replay rate.

Run: ``make bench`` (test instance), or with ``STATS_DATABASE_URL`` and ``KAFKA_BOOTSTRAP_SERVERS``
set: ``.venv/bin/python deploy/bench/bench_stats_service.py [--cases 1000000] [--replay-cases 3000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from enforcement_common.contracts.case import CaseClosed, CaseDecided, CaseFiled, UnitCreated
from enforcement_common.db import create_engine, session_factory
from enforcement_common.events import ConsumerRunner, build_envelope, encode_envelope
from enforcement_common.events.envelope import kafka_headers
from enforcement_common.migrations import upgrade
from stats_service import rules
from stats_service.admin import rebuild
from stats_service.admin.rebuild import topic_partitions
from stats_service.config import Settings
from stats_service.consumers import all_topics
from stats_service.models import Rebuild
from stats_service.stats.service import case_figures

CATEGORIES = list(rules.CATEGORIES)


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def fresh_database(url: str, name: str) -> str:
    base, _, _ = plain(url).rpartition("/")
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    target = f"{url.rpartition('/')[0]}/{name}"
    await asyncio.to_thread(upgrade, "stats_service", target)
    return target


GENERATE = [
    # 100 counties × 10 townships
    """CREATE TABLE bench_units AS
       SELECT i, gen_random_uuid() AS unit_id, (i / 10) AS county_index FROM generate_series(0, 999) i""",
    """CREATE TABLE bench_counties AS SELECT i AS county_index, gen_random_uuid() AS unit_id FROM generate_series(0, 99) i""",
    """INSERT INTO stat_units (gen, unit_id, parent_id, code, name, kind, region_code, duties)
       SELECT 1, unit_id, NULL, 'C' || county_index, '县' || county_index, 'county', '14' || county_index,
              ARRAY['penalty','license','coercion','inspection','levy','requisition'] FROM bench_counties""",
    """INSERT INTO stat_units (gen, unit_id, parent_id, code, name, kind, region_code, duties)
       SELECT 1, u.unit_id, c.unit_id, 'T' || u.i, '乡镇' || u.i, 'township', '14' || u.county_index,
              ARRAY['penalty','license','coercion','inspection','levy','requisition']
       FROM bench_units u JOIN bench_counties c USING (county_index)""",
    # the plain table of the cases (what a naive report would GROUP BY)
    """CREATE TABLE bench_cases AS
       SELECT g AS n, u.unit_id,
              (ARRAY['penalty','license','coercion','inspection','levy','requisition'])[1 + (g * 7) % 6] AS category,
              date '2025-01-01' + ((g * 2654435761) % 730)::int AS filed_on,
              CASE WHEN g % 10 < 7 THEN date '2025-01-01' + ((g * 2654435761) % 730)::int + (g % 60) END AS decided_on,
              CASE WHEN g % 10 < 6 THEN date '2025-01-01' + ((g * 2654435761) % 730)::int + (g % 60) + (g % 30) END
                AS closed_on,
              CASE WHEN g % 10 < 7 AND g % 3 = 0 THEN ((g * 37) % 10000000) / 100.0 END::numeric(16, 2) AS fine,
              CASE WHEN g % 10 < 7 AND g % 11 = 0 THEN ((g * 53) % 5000000) / 100.0 END::numeric(16, 2)
                AS confiscation,
              (g % 10 < 7 AND g % 17 = 0) AS hearing,
              CASE WHEN g % 10 < 7 AND (g * 7) % 6 = 0 THEN 'k' || ((g * 13) % 6) END AS penalty_class
       FROM generate_series(1, :cases) g JOIN bench_units u ON u.i = g % 1000""",
    # the projection's counters from the same cases, by the counting rules of STAT-7
    """INSERT INTO stat_counters (gen, unit_id, day, category, measure, value)
       SELECT 1, unit_id, day, category, measure, sum(v) FROM (
         SELECT unit_id, filed_on AS day, category, 'filed' AS measure, 1 AS v FROM bench_cases
         UNION ALL SELECT unit_id, decided_on, category, 'decided', 1 FROM bench_cases WHERE decided_on IS NOT NULL
         UNION ALL SELECT unit_id, closed_on, category, 'closed', 1 FROM bench_cases WHERE closed_on IS NOT NULL
         UNION ALL SELECT unit_id, decided_on, category, 'hearings', 1 FROM bench_cases WHERE hearing
         UNION ALL SELECT unit_id, decided_on, category, 'fines', fine FROM bench_cases WHERE fine > 0
         UNION ALL SELECT unit_id, decided_on, category, 'confiscations', confiscation FROM bench_cases
                   WHERE confiscation > 0
         UNION ALL SELECT unit_id, decided_on, category, 'penalty:' || penalty_class, 1 FROM bench_cases
                   WHERE penalty_class IS NOT NULL
       ) x GROUP BY unit_id, day, category, measure""",
    "VACUUM ANALYZE",
]

NAIVE = """
SELECT category,
       count(*) FILTER (WHERE filed_on BETWEEN $2 AND $3) AS filed,
       count(*) FILTER (WHERE decided_on BETWEEN $2 AND $3) AS decided,
       count(*) FILTER (WHERE closed_on BETWEEN $2 AND $3) AS closed,
       coalesce(sum(fine) FILTER (WHERE decided_on BETWEEN $2 AND $3), 0) AS fines
FROM bench_cases
WHERE unit_id IN (SELECT u.unit_id FROM bench_units u JOIN bench_counties c USING (county_index) WHERE c.unit_id = $1)
GROUP BY category
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def query_benchmark(url: str, cases: int, rounds: int) -> dict:
    t0 = time.perf_counter()
    conn = await asyncpg.connect(plain(url))
    try:
        for statement in GENERATE:
            await conn.execute(statement.replace(":cases", str(cases)))
        generated = time.perf_counter() - t0
        counties = [r["unit_id"] for r in await conn.fetch("SELECT unit_id FROM bench_counties")]
        counters = await conn.fetchval("SELECT count(*) FROM stat_counters")
    finally:
        await conn.close()
    engine = create_engine(url, application_name="stats-bench")
    sessions = session_factory(engine)
    rng = random.Random(14)
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    projection_ms: list[float] = []
    naive_ms: list[float] = []
    naive = await asyncpg.connect(plain(url))
    try:
        for county in counties[:5]:  # warm-up (connections, plans), not timed
            async with sessions() as session:
                await case_figures(session, 1, county, start, end, "category")
            await naive.fetch(NAIVE, county, start, end)
        for _ in range(rounds):
            county = rng.choice(counties)
            t = time.perf_counter()
            async with sessions() as session:
                figures = await case_figures(session, 1, county, start, end, "category")
            projection_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            rows = await naive.fetch(NAIVE, county, start, end)
            naive_ms.append((time.perf_counter() - t) * 1000)
            by_category = {g["key"]: g for g in figures["groups"]}
            for row in rows:  # the same answer, or the timing means nothing
                g = by_category[row["category"]]
                assert (g["filed"], g["decided"], g["closed"]) == (row["filed"], row["decided"], row["closed"]), (
                    row,
                    g,
                )
                assert g["fines_total"] == Decimal(row["fines"]).quantize(Decimal("0.01"))
    finally:
        await naive.close()
        await engine.dispose()
    return {
        "cases": cases,
        "counter_rows": counters,
        "generation_s": round(generated, 1),
        "projection_p50_ms": round(statistics.median(projection_ms), 2),
        "projection_p99_ms": round(pct(projection_ms, 0.99), 2),
        "naive_p50_ms": round(statistics.median(naive_ms), 2),
        "naive_p99_ms": round(pct(naive_ms, 0.99), 2),
        "speedup_p50": round(statistics.median(naive_ms) / statistics.median(projection_ms), 1),
        "speedup_p99": round(pct(naive_ms, 0.99) / pct(projection_ms, 0.99), 1),
    }


def case_events(n: int, rng: random.Random) -> tuple[list, int]:
    county = UnitCreated(
        unit_id=uuid.uuid4(), code="BENCH", name="基准县", kind="county", parent_id=None, duties=CATEGORIES
    )
    towns = [
        UnitCreated(
            unit_id=uuid.uuid4(),
            code=f"B{i}",
            name=f"基准乡{i}",
            kind="township",
            parent_id=county.unit_id,
            duties=CATEGORIES,
        )
        for i in range(10)
    ]
    events: list = [county, *towns]
    for i in range(n):
        town = rng.choice(towns)
        lead = uuid.uuid4()
        filed_on = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
        filed = CaseFiled(
            case_id=uuid.uuid4(),
            case_no=f"基准〔2026〕{i}号",
            unit_id=town.unit_id,
            category=rng.choice(CATEGORIES),
            lead_handler_id=lead,
            handler_ids=[lead],
            filed_on=filed_on,
            is_major=False,
        )
        decided_on = filed_on + timedelta(days=rng.randint(0, 40))
        fine = Decimal(rng.randint(0, 100000)) / 100
        events += [
            filed,
            CaseDecided(
                case_id=filed.case_id,
                unit_id=town.unit_id,
                case_no=filed.case_no,
                category=filed.category,
                decided_on=decided_on,
                decision_type="决定",
                penalty_kinds=["fine"] if filed.category == "penalty" else [],
                fine_amount=fine,
                confiscation_amount=None,
                hearing_held=False,
            ),
            CaseClosed(
                case_id=filed.case_id,
                case_no=filed.case_no,
                unit_id=town.unit_id,
                category=filed.category,
                lead_handler_id=lead,
                handler_ids=[lead],
                filed_on=filed_on,
                closed_on=decided_on + timedelta(days=5),
                fine_amount=fine,
                confiscation_amount=None,
                hearing_held=False,
            ),
        ]
    return events, len(events)


async def publish(bootstrap: str, events: list) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=1 << 20)
    await producer.start()
    t = time.perf_counter()
    try:
        futures = []
        for event in events:
            envelope = build_envelope(event, source="case-service")
            futures.append(
                await producer.send(
                    event.topic,
                    encode_envelope(envelope),
                    key=envelope.subject.encode(),
                    headers=list(kafka_headers(envelope)),
                )
            )
        await producer.flush()
    finally:
        await producer.stop()
    return time.perf_counter() - t


async def bare_consume(bootstrap: str) -> tuple[int, float]:
    """aiokafka alone: every record of the projection's topics from offset 0 to the end, decoded as JSON."""
    import json

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=f"bench-bare-{uuid.uuid4()}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=2000,
    )
    await consumer.start()
    try:
        partitions = topic_partitions()
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        for tp in partitions:
            await consumer.seek_to_beginning(tp)
        t = time.perf_counter()
        count = 0
        remaining = {tp for tp in partitions if ends[tp]}
        while remaining:
            batch = await consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                for record in records:
                    json.loads(record.value)
                    count += 1
                if records and records[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
        return count, time.perf_counter() - t
    finally:
        await consumer.stop()


async def replay_benchmark(url: str, bootstrap: str, replay_cases: int) -> dict:
    events, n_events = case_events(replay_cases, random.Random(2026))
    publish_s = await publish(bootstrap, events)
    engine = create_engine(url, application_name="stats-bench")
    sessions = session_factory(engine)
    settings = Settings(database_url=url, kafka_bootstrap_servers=bootstrap)
    runner = ConsumerRunner(
        service="stats-service",
        group_id=f"bench-live-{uuid.uuid4()}",
        bootstrap_servers=bootstrap,
        sessions=sessions,
        topics=all_topics.TOPICS,
        max_poll_records=1000,
    )
    all_topics.register(runner, settings)  # the projection's group (the unit tree, scope only, is another's)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=f"bench-ends-{uuid.uuid4()}")
    await consumer.start()
    consumer.assign(topic_partitions())
    ends = await consumer.end_offsets(topic_partitions())
    await consumer.stop()
    total = sum(ends.values())
    t = time.perf_counter()
    task = asyncio.create_task(runner.run())
    while any(runner._processed.get(tp, 0) < end for tp, end in ends.items() if end):  # noqa: ASYNC110 — polls the runner
        await asyncio.sleep(0.2)
    live_s = time.perf_counter() - t
    runner.stop()
    await task
    async with sessions() as session, session.begin():
        started = await rebuild.start(session)
        rebuild_id = started.id
    t = time.perf_counter()
    status = await rebuild.run(engine, sessions, bootstrap, rebuild_id, batch_size=2000)
    replay_s = time.perf_counter() - t
    async with sessions() as session:
        done = await session.get(Rebuild, rebuild_id)
        differences = done.differences
        replayed = done.events_done
    await engine.dispose()
    bare_count, bare_s = await bare_consume(bootstrap)
    replay_rate = replayed / replay_s
    bare_rate = bare_count / bare_s
    return {
        "events_published": n_events,
        "records_in_topics": total,
        "publish_s": round(publish_s, 1),
        "live_consumer_events_per_s": round(total / live_s),
        "rebuild_status": status,
        "rebuild_differences": differences,
        "replay_events": replayed,
        "replay_events_per_s": round(replay_rate),
        "bare_aiokafka_events_per_s": round(bare_rate),
        "replay_vs_bare": round(replay_rate / bare_rate, 3),
    }


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--replay-cases", type=int, default=3000)
    args = parser.parse_args()
    url = os.environ["STATS_DATABASE_URL"]
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:29092")
    query_db = await fresh_database(url, "stats_bench_query")
    print("query", await query_benchmark(query_db, args.cases, args.rounds), flush=True)
    replay_db = await fresh_database(url, "stats_bench_replay")
    replay = await replay_benchmark(replay_db, bootstrap, args.replay_cases)
    print("replay", replay, flush=True)
    events_per_case = 3  # filed, decided, closed (plus a few unit and officer events)
    estimate = args.cases * events_per_case / replay["replay_events_per_s"]
    print(
        "rebuild_1m_estimate",
        {
            "events": args.cases * events_per_case,
            "estimated_wall_s": round(estimate),
            "estimated_wall_h": round(estimate / 3600, 2),
        },
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
