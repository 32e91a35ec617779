"""Benchmark of case-service (not a test: timing on a shared 2-core machine is noisy,
so the figure that matters is the ratio to a baseline measured in the same run).

1. ``POST /cases`` throughput at a fixed concurrency, against case-service running as
   its own process (uvicorn, outbox relay on), next to a bare asyncpg
   ``INSERT … ; COMMIT`` loop at the same concurrency on the same PostgreSQL.
2. The time to import 10 000 cases in one ``POST /cases:import``.

Run with ``make bench`` (it starts and stops the test instance's PostgreSQL and Kafka).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from enforcement_common.auth.tokens import mint_token
from enforcement_common.migrations import upgrade
from enforcement_common.testing.infra import create_scratch_database, drop_database, kafka_bootstrap

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-secret-0123456789abcdef0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def headers(*roles: str, unit: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(roles=list(roles), unit_id=unit, secret=SECRET)}"}


async def run_concurrently(total: int, concurrency: int, one) -> float:
    """Run ``one(i)`` for i in range(total) with ``concurrency`` workers; return operations per second."""
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            await one(i)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - started)


async def main(total: int, concurrency: int, import_size: int) -> dict:
    name, url = await create_scratch_database()
    await asyncio.to_thread(
        upgrade, ROOT / "services/case-service", url.replace("postgresql://", "postgresql+asyncpg://")
    )
    port = free_port()
    env = {
        **os.environ,
        "CASE_DATABASE_URL": url,
        "CASE_PORT": str(port),
        "AUTH_JWT_SECRET": SECRET,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
        "CASE_LOG_LEVEL": "WARNING",
    }
    # Started once, before any measurement: a blocking spawn is fine here.
    server = subprocess.Popen(  # noqa: ASYNC220
        [str(ROOT / ".venv/bin/case-service"), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=300, limits=httpx.Limits(max_connections=concurrency * 2)
        ) as client:
            for _ in range(200):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
            admin = headers("admin")
            unit = (
                await client.post(
                    "/api/v1/units",
                    json={"code": "BENCH", "name": "基准单位", "short_name": "基准", "kind": "county"},
                    headers=admin,
                )
            ).json()["id"]
            officers = [
                (
                    await client.post(
                        "/api/v1/officers",
                        json={
                            "unit_id": unit,
                            "name": n,
                            "staff_type": "established",
                            "certificate": {"number": f"B-{n}", "issued_on": "2024-01-01", "expires_on": "2030-01-01"},
                        },
                        headers=admin,
                    )
                ).json()["id"]
                for n in ("甲", "乙")
            ]
            filer = headers("officer", unit=unit)

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

            async def post_case(i: int) -> None:
                response = await client.post("/api/v1/cases", json=case(i), headers=filer)
                assert response.status_code == 201, response.text

            await run_concurrently(100, concurrency, post_case)  # warm-up
            api_rate = await run_concurrently(total, concurrency, post_case)

            pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
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
            await pool.close()

            platform = headers("platform", unit=unit)
            items = [case(i, f"IMPORT-{i:05d}") for i in range(import_size)]
            started = time.perf_counter()
            report = await client.post("/api/v1/cases:import", json=items, headers=platform)
            import_seconds = time.perf_counter() - started
            summary = report.json()["summary"]
            assert summary["created"] == import_size, summary
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        await drop_database(name)
    return {
        "post_cases_per_second": round(api_rate, 1),
        "bare_insert_commit_per_second": round(baseline_rate, 1),
        "ratio": round(api_rate / baseline_rate, 3),
        "bare_insert_commit_single_loop_per_second": round(single_loop_rate, 1),
        "ratio_to_single_loop": round(api_rate / single_loop_rate, 3),
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
    ok = result["ratio"] >= 0.4 and result["import_seconds"] < 30
    print(
        f"targets: POST /cases ≥ 40% of bare INSERT+COMMIT — {'met' if result['ratio'] >= 0.4 else 'NOT met'}; "
        f"10 000-case import < 30 s — {'met' if result['import_seconds'] < 30 else 'NOT met'}",
        file=sys.stderr,
    )
    sys.exit(0 if ok else 1)
