"""Benchmark of tolerance-service (not a test: timing on a shared 2-core machine is noisy, so
the figures that matter are ratios to a baseline measured in the same run).

1. The rule engine (``tolerance_service.rules.evaluate``, pure): evaluations per second over
   random combinations of grounds, conditions, exclusions and loss levels, in process.
2. ``POST /applications`` throughput at a fixed concurrency against tolerance-service running
   as its own process (uvicorn, outbox relay on), next to, on the same PostgreSQL and in the
   same run:
   - a bare asyncpg ``INSERT … ; COMMIT`` at the same concurrency (the floor of any write);
   - the least a filing must commit, in bare asyncpg: one transaction that takes the risk
     keys' advisory locks (unit, category, one ground — TOL-18), counts the key's recent
     applications for each, writes the application (claim and recommendation as JSONB) and
     its outbox event. No HTTP, no validation, no policy resolution, no audit, no scope
     check: the ceiling of any design that gives each filing its own transaction;
   - the same with the audit entry every write must commit beside its effect, by the
     platform's protocol (libs/common ``audit``: the chain's advisory lock, the head hash
     read, the entry inserted, the lock held to the commit) — the floor of this platform,
     where all writes of a service take turns on one chain.

The applications are spread over 16 units and three years of incident dates with random
grounds, as a county's would be; the directory (units, officers, cases) is written into the
scratch database directly, as case-service's events would have made it known.

Run with ``make bench`` (it starts and stops the test instance's PostgreSQL and Kafka), or
alone against a running test instance: ``python deploy/bench/bench_tolerance_service.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_case_service import (  # the shared load generator of the benchmarks
    ROOT,
    SECRET,
    KeepAliveConnection,
    cpu_seconds,
    encode_post,
    free_port,
    headers,
    run_concurrently,
)

from enforcement_common.migrations import upgrade
from enforcement_common.testing.infra import create_scratch_database, drop_database, kafka_bootstrap
from tolerance_service import rules

UNITS = 16
DD = sorted(rules.DUE_DILIGENCE)
TG = sorted(rules.TOLERANCE)
MG = sorted(rules.MITIGATION)


def random_claim(rng: random.Random) -> dict:
    pick = lambda codes: sorted(rng.sample(codes, rng.choice([0, 0, 1, 1, 2])))  # noqa: E731
    return {
        "grounds": {"due_diligence": pick(DD), "tolerance": pick(TG), "mitigation": pick(MG)},
        "conditions": {c: rng.random() < 0.8 for c in ("C1", "C2", "C3")},
        "exclusions": {
            "outside_statutory_duty": rng.random() < 0.05,
            "violated_statutory_procedure": rng.random() < 0.05,
        },
    }


def engine_rate(evaluations: int) -> float:
    rng = random.Random(7)
    claims = []
    for _ in range(1000):
        c = random_claim(rng)
        claims.append(
            rules.Claim(
                due_diligence=frozenset(c["grounds"]["due_diligence"]),
                tolerance=frozenset(c["grounds"]["tolerance"]),
                mitigation=frozenset(c["grounds"]["mitigation"]),
                conditions=tuple(c["conditions"].values()),
                exclusions=frozenset(k for k, v in c["exclusions"].items() if v),
                loss_level=rng.choice(["none", "minor", "major"]),
            )
        )
    policy = uuid.uuid4()
    started = time.perf_counter()
    for i in range(evaluations):
        rules.evaluate(claims[i % len(claims)], policy)
    return evaluations / (time.perf_counter() - started)


async def seed_directory(pool: asyncpg.Pool) -> tuple[str, list[tuple[str, str, str]]]:
    """A county, 16 townships, an officer and a case each (as the events would have made them known)."""
    county = uuid.uuid4()
    await pool.execute(
        "INSERT INTO unit_tree (unit_id, parent_id, code, name, kind) VALUES ($1, NULL, 'BENCH', '基准县', 'county')",
        county,
    )
    units = []
    for n in range(UNITS):
        unit, officer, case = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await pool.execute(
            "INSERT INTO unit_tree (unit_id, parent_id, code, name, kind) VALUES ($1, $2, $3, $4, 'township')",
            unit,
            county,
            f"B{n}",
            f"基准镇{n}",
        )
        await pool.execute(
            "INSERT INTO officer_views (officer_id, unit_id, name, qualification_status) VALUES ($1, $2, $3, 'active')",
            officer,
            unit,
            f"执法员{n}",
        )
        await pool.execute(
            "INSERT INTO case_views (case_id, unit_id, case_no, category, lead_handler_id, handler_ids, filed_on) "
            "VALUES ($1, $2, $3, 'penalty', $4, ARRAY[$4]::uuid[], current_date - 400)",
            case,
            unit,
            f"基准〔2026〕{n}号",
            officer,
        )
        units.append((str(unit), str(officer), str(case)))
    return str(county), units


async def main(total: int, concurrency: int, evaluations: int) -> dict:
    rule_rate = engine_rate(evaluations)
    name, url = await create_scratch_database()
    await asyncio.to_thread(upgrade, "tolerance_service", url.replace("postgresql://", "postgresql+asyncpg://"))
    port = free_port()
    env = {
        **os.environ,
        "TOLERANCE_DATABASE_URL": url,
        "TOLERANCE_PORT": str(port),
        "AUTH_JWT_SECRET": SECRET,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
        "TOLERANCE_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(  # noqa: ASYNC220  (started once, before any measurement)
        [str(ROOT / ".venv/bin/tolerance-service"), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(200):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        county, units = await seed_directory(pool)
        filer = headers("legal_affairs", unit=county)
        rng = random.Random(2026)
        first_day = date.today() - timedelta(days=3 * 365)

        def body(i: int) -> dict:
            unit, officer, case = units[i % UNITS]
            return {
                "unit_id": unit,
                "officer_ids": [officer],
                "case_id": case,
                "initiated_by": "unit",
                "incident_on": (first_day + timedelta(days=rng.randrange(3 * 365 - 1))).isoformat(),
                "description": f"基准申请 {i}",
                "loss_level": rng.choice(["none", "minor"]),
                **random_claim(rng),
            }

        bodies = [body(i) for i in range(total + 100)]
        requests = [encode_post("/api/v1/applications", b, filer) for b in bodies]
        connections = [await KeepAliveConnection.open(port) for _ in range(concurrency)]
        idle: asyncio.Queue[KeepAliveConnection] = asyncio.Queue()
        for connection in connections:
            idle.put_nowait(connection)

        async def post_application(i: int) -> None:
            connection = await idle.get()
            status, answer = await connection.request(requests[i])
            idle.put_nowait(connection)
            assert status == 201, answer

        await run_concurrently(100, concurrency, lambda i: post_application(total + i))  # warm-up
        cpu_before = cpu_seconds(server.pid)
        api_rate = await run_concurrently(total, concurrency, post_application)
        server_cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / total
        for connection in connections:
            connection.close()
        warnings = await pool.fetchval("SELECT count(*) FROM risk_warnings")

        for _ in range(600):  # let the relay publish first, so it takes no CPU from the baselines
            if not await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"):
                break
            await asyncio.sleep(0.2)

        await pool.execute("CREATE TABLE bench_rows (id uuid PRIMARY KEY, unit_id uuid, body jsonb, applied_on date)")

        async def insert_row(i: int) -> None:
            async with pool.acquire() as connection:
                await connection.execute(
                    "INSERT INTO bench_rows VALUES ($1, $2, $3::jsonb, current_date)",
                    uuid.uuid4(),
                    uuid.UUID(units[i % UNITS][0]),
                    json.dumps(bodies[i]["grounds"]),
                )

        await run_concurrently(100, concurrency, insert_row)
        baseline_rate = await run_concurrently(total, concurrency, insert_row)

        await pool.execute(
            """CREATE TABLE bench_applications (id uuid PRIMARY KEY, unit_id uuid, incident_on date,
                   claimed jsonb, recommendation jsonb);
               CREATE INDEX ON bench_applications (unit_id, incident_on);
               CREATE TABLE bench_outbox (id bigserial PRIMARY KEY, event_id uuid, key text, payload jsonb);"""
        )

        await pool.execute(
            "CREATE TABLE bench_audit (id bigserial PRIMARY KEY, path text, resource_id text, prev_hash text, hash text)"
        )

        async def minimal_filing(i: int, audited: bool = False) -> None:
            b = bodies[i]
            unit = uuid.UUID(b["unit_id"])
            incident = date.fromisoformat(b["incident_on"])
            async with pool.acquire() as connection, connection.transaction():
                for key in ("unit", "category/penalty", "ground"):
                    await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{unit}/{key}")
                    await connection.fetchval(
                        "SELECT count(*) FROM bench_applications WHERE unit_id = $1 AND incident_on BETWEEN $2 AND $3",
                        unit,
                        incident - timedelta(days=89),
                        incident + timedelta(days=89),
                    )
                application = uuid.uuid4()
                claimed = json.dumps({k: b[k] for k in ("grounds", "conditions", "exclusions")})
                await connection.execute(
                    "INSERT INTO bench_applications VALUES ($1, $2, $3, $4::jsonb, $4::jsonb)",
                    application,
                    unit,
                    incident,
                    claimed,
                )
                await connection.execute(
                    "INSERT INTO bench_outbox (event_id, key, payload) VALUES ($1, $2, $3::jsonb)",
                    uuid.uuid4(),
                    str(application),
                    claimed,
                )
                if audited:
                    await connection.execute("SELECT pg_advisory_xact_lock(730999)")
                    head = await connection.fetchval("SELECT hash FROM bench_audit ORDER BY id DESC LIMIT 1")
                    await connection.execute(
                        "INSERT INTO bench_audit (path, resource_id, prev_hash, hash) "
                        "VALUES ('/api/v1/applications', $1, $2, md5($1 || coalesce($2, '')))",
                        str(application),
                        head,
                    )

        await run_concurrently(100, concurrency, lambda i: minimal_filing(total + i))
        minimal_rate = await run_concurrently(total, concurrency, minimal_filing)
        audited_rate = await run_concurrently(total, concurrency, lambda i: minimal_filing(i, audited=True))
    finally:
        await pool.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        await drop_database(name)
    return {
        "rule_engine_evaluations_per_second": round(rule_rate),
        "post_applications_per_second": round(api_rate, 1),
        "bare_minimal_filing_transaction_per_second": round(minimal_rate, 1),
        "ratio_to_minimal_filing": round(api_rate / minimal_rate, 3),
        "bare_minimal_filing_with_audit_chain_per_second": round(audited_rate, 1),
        "ratio_to_minimal_filing_with_audit_chain": round(api_rate / audited_rate, 3),
        "bare_insert_commit_per_second": round(baseline_rate, 1),
        "ratio_to_bare_insert_commit": round(api_rate / baseline_rate, 3),
        "server_cpu_ms_per_request": round(server_cpu_ms, 2),
        "risk_warnings_issued": warnings,
        "concurrency": concurrency,
        "requests": total,
        "units": UNITS,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--evaluations", type=int, default=200_000)
    args = parser.parse_args()
    print(
        json.dumps(asyncio.run(main(args.requests, args.concurrency, args.evaluations)), ensure_ascii=False, indent=2)
    )
