"""Benchmark of case-service (not a test: timing on a shared 2-core machine is noisy,
so the figure that matters is the ratio to a baseline measured in the same run).

1. ``POST /cases`` throughput at a fixed concurrency, against case-service running as
   its own process (uvicorn, outbox relay on), next to, on the same PostgreSQL:
   - a bare asyncpg ``INSERT … ; COMMIT`` loop at the same concurrency, and as a plain
     single-connection loop (the baseline the target is set against);
   - the least a filing must commit, in bare asyncpg at the same concurrency: one
     transaction that takes the unit's next gapless number (a row lock held until
     commit, so filings of one unit take turns — CASE-9 numbering), writes the case,
     its deadline, its timeline entry and its outbox event. No HTTP, no validation, no
     audit: the ceiling of any design that gives each request its own transaction;
   - a POST with nothing to file (``POST /cases:import`` of ``[]``): the request pipeline
     alone — token, guards, JSON, the route's transaction with its audit entry, the commit;
   - ``GET /healthz`` on the same server: the HTTP stack and middlewares with no work at
     all, the ceiling of any endpoint of this service on this machine.
   The target: ``POST /cases`` at ≥ 25% of the minimal filing transaction.
2. The time to import 10 000 cases in one ``POST /cases:import``.

The load generator for (1) is a minimal HTTP/1.1 keep-alive client (pre-encoded
requests, one connection per worker), so that the client's own CPU — on the same two
cores — weighs as little as possible on the figure; httpx is used for set-up only.

Run with ``make bench`` (it starts and stops the test instance's PostgreSQL and Kafka).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid

import asyncpg
import httpx
from benchkit import (
    KeepAliveConnection,
    auth,
    cpu_seconds,
    encode_post,
    run_concurrently,
    running_service,
    unit_with_officers,
)


async def main(total: int, concurrency: int, import_size: int) -> dict:
    async with running_service("case-service") as service:
        url = service.database_url
        async with httpx.AsyncClient(
            base_url=service.url, timeout=300, limits=httpx.Limits(max_connections=concurrency * 2)
        ) as client:
            unit, officers = await unit_with_officers(client, "BENCH")
            filer = auth("officer", unit=unit)

            def case(i: int, ref: str | None = None) -> dict:
                body = {
                    "unit_id": unit,
                    "category": "penalty",
                    "title": f"基准案件 {i}",
                    "party": {"name": "某公司", "kind": "organization"},
                    "lead_handler_id": officers[0],
                    "co_handler_ids": [officers[1]],
                }
                return {**body, "external_ref": ref} if ref else body

            connections = [await KeepAliveConnection.open(service.url) for _ in range(concurrency)]
            idle = asyncio.Queue()
            for connection in connections:
                idle.put_nowait(connection)
            requests = [encode_post("/api/v1/cases", case(i), filer) for i in range(total + 100)]

            async def post_case(i: int) -> None:
                connection = await idle.get()
                status, body = await connection.request(requests[i])
                idle.put_nowait(connection)
                assert status == 201, body

            healthz = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"

            async def get_healthz(i: int) -> None:
                connection = await idle.get()
                status, body = await connection.request(healthz)
                idle.put_nowait(connection)
                assert status == 200, body

            await run_concurrently(100, concurrency, get_healthz)
            healthz_rate = await run_concurrently(total, concurrency, get_healthz)

            # A POST with nothing to file (an import of no cases): the request pipeline alone —
            # token, guards, JSON, the route's transaction with its audit entry, the commit.
            nothing = encode_post("/api/v1/cases:import", [], auth("platform", unit=unit))

            async def post_nothing(i: int) -> None:
                connection = await idle.get()
                status, body = await connection.request(nothing)
                idle.put_nowait(connection)
                assert status == 200, body

            await run_concurrently(100, concurrency, post_nothing)
            cpu_before = cpu_seconds(service.process.pid)
            nothing_rate = await run_concurrently(total, concurrency, post_nothing)
            nothing_cpu_ms = (cpu_seconds(service.process.pid) - cpu_before) * 1000 / total

            await run_concurrently(100, concurrency, lambda i: post_case(total + i))  # warm-up
            cpu_before = cpu_seconds(service.process.pid)
            api_rate = await run_concurrently(total, concurrency, post_case)
            server_cpu_ms = (cpu_seconds(service.process.pid) - cpu_before) * 1000 / total
            for connection in connections:
                connection.close()

            pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
            # Let the relay publish the filings' events first, so that it does not take CPU
            # from the baselines (which would flatter the ratios).
            for _ in range(600):  # at most two minutes
                if not await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"):
                    break
                await asyncio.sleep(0.2)
            await pool.execute(
                "CREATE TABLE bench_rows (id uuid PRIMARY KEY, unit_id uuid, title text, party jsonb, filed_on date)"
            )
            party = json.dumps({"name": "某公司", "kind": "organization"})

            async def insert_row(i: int) -> None:
                async with pool.acquire() as connection:  # one INSERT, one COMMIT (autocommit)
                    await connection.execute(
                        "INSERT INTO bench_rows VALUES ($1, $2, $3, $4::jsonb, current_date)",
                        uuid.uuid4(),
                        uuid.UUID(unit),
                        f"基准 {i}",
                        party,
                    )

            await run_concurrently(100, concurrency, insert_row)
            baseline_rate = await run_concurrently(total, concurrency, insert_row)
            single_loop_rate = await run_concurrently(total, 1, insert_row)  # the plain loop, one connection

            await pool.execute(
                """CREATE TABLE bench_counters (unit_id uuid, year int, last_number int, PRIMARY KEY (unit_id, year));
                CREATE TABLE bench_cases (id uuid PRIMARY KEY, unit_id uuid, case_no text, case_number int,
                    title text, party jsonb, filed_on date, UNIQUE (unit_id, case_number));
                CREATE TABLE bench_deadlines (id uuid PRIMARY KEY, case_id uuid REFERENCES bench_cases, due_on date);
                CREATE TABLE bench_timeline (id bigserial PRIMARY KEY, case_id uuid REFERENCES bench_cases,
                    action text, details jsonb);
                CREATE TABLE bench_outbox (id bigserial PRIMARY KEY, event_id uuid, key text, payload jsonb);"""
            )

            async def minimal_filing(i: int) -> None:
                async with pool.acquire() as connection, connection.transaction():
                    number = await connection.fetchval(
                        "INSERT INTO bench_counters VALUES ($1, 2026, 1) ON CONFLICT (unit_id, year) "
                        "DO UPDATE SET last_number = bench_counters.last_number + 1 RETURNING last_number",
                        uuid.UUID(unit),
                    )
                    case_id = uuid.uuid4()
                    await connection.execute(
                        "INSERT INTO bench_cases VALUES ($1, $2, $3, $4, $5, $6::jsonb, current_date)",
                        case_id,
                        uuid.UUID(unit),
                        f"基准〔2026〕{number}号",
                        number,
                        f"基准 {i}",
                        party,
                    )
                    await connection.execute(
                        "INSERT INTO bench_deadlines VALUES ($1, $2, current_date + 90)", uuid.uuid4(), case_id
                    )
                    await connection.execute(
                        "INSERT INTO bench_timeline (case_id, action, details) VALUES ($1, 'filing', $2::jsonb)",
                        case_id,
                        party,
                    )
                    await connection.execute(
                        "INSERT INTO bench_outbox (event_id, key, payload) VALUES ($1, $2, $3::jsonb)",
                        uuid.uuid4(),
                        str(case_id),
                        party,
                    )

            await run_concurrently(100, concurrency, minimal_filing)
            minimal_filing_rate = await run_concurrently(total, concurrency, minimal_filing)
            await pool.close()

            platform = auth("platform", unit=unit)
            items = [case(i, f"IMPORT-{i:05d}") for i in range(import_size)]
            started = time.perf_counter()
            report = await client.post("/api/v1/cases:import", json=items, headers=platform)
            import_seconds = time.perf_counter() - started
            summary = report.json()["summary"]
            assert summary["created"] == import_size, summary
    return {
        "post_cases_per_second": round(api_rate, 1),
        "bare_insert_commit_per_second": round(baseline_rate, 1),
        "ratio": round(api_rate / baseline_rate, 3),
        "bare_insert_commit_single_loop_per_second": round(single_loop_rate, 1),
        "ratio_to_single_loop": round(api_rate / single_loop_rate, 3),
        "bare_minimal_filing_transaction_per_second": round(minimal_filing_rate, 1),
        "ratio_to_minimal_filing": round(api_rate / minimal_filing_rate, 3),
        "minimal_filing_ratio_to_bare_insert_commit": round(minimal_filing_rate / baseline_rate, 3),
        "server_cpu_ms_per_request": round(server_cpu_ms, 2),
        "post_nothing_to_file_per_second": round(nothing_rate, 1),
        "post_nothing_to_file_ratio_to_minimal_filing": round(nothing_rate / minimal_filing_rate, 3),
        "post_nothing_to_file_server_cpu_ms": round(nothing_cpu_ms, 2),
        "get_healthz_per_second": round(healthz_rate, 1),
        "healthz_ratio_to_bare_insert_commit": round(healthz_rate / baseline_rate, 3),
        "concurrency": concurrency,
        "requests": total,
        "import_cases": import_size,
        "import_seconds": round(import_seconds, 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--import-size", type=int, default=10_000)
    args = parser.parse_args()
    result = asyncio.run(main(args.requests, args.concurrency, args.import_size))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    filing = result["ratio_to_minimal_filing"] >= 0.25
    ok = filing and result["import_seconds"] < 30
    print(
        f"targets: POST /cases ≥ 25% of the bare minimal filing transaction — {'met' if filing else 'NOT met'}; "
        f"10 000-case import < 30 s — {'met' if result['import_seconds'] < 30 else 'NOT met'}",
        file=sys.stderr,
    )
    sys.exit(0 if ok else 1)
