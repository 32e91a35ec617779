"""Benchmark of accountability-service's interference register (not a test: the shared 2-core
machine is noisy, so the figures that matter are the ratios to a baseline of the same run).

1. Appends per second at a fixed concurrency, each append its own transaction:
   - baseline: a bare asyncpg ``INSERT`` of the same row (same table, triggers and indexes, a
     precomputed dummy hash) and ``COMMIT`` — no lock, no chain;
   - the register's append (``interference.service._append``): the chain's advisory lock, the head
     hash read, SHA-256 over the canonical content, the INSERT, the COMMIT — appends are serialised
     by design (one chain, never forked);
   - ``POST /interference-records`` through the app in process (ASGI): auth, scope, directory
     look-ups, audit entry, idempotency, outbox event, response;
   - ``POST /error-cases`` the same way: a POST of the same service with no chain of its own (the
     platform's audit chain serialises every mutating request of a service anyway).
2. Verification time of a chain of 100 000 records (``GET /interference-records/verify`` logic,
   ``interference.service.verify``), the records written by COPY with their chain hashes; and the
   same with a checkpoint to prove.

Run with ``make bench`` (test instance) or, with the test instance up and its env exported:
``.venv/bin/python deploy/bench/bench_interference_register.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from accountability_service.config import Settings
from accountability_service.interference import chain
from accountability_service.interference.service import _append, verify
from accountability_service.main import create_app
from enforcement_common.auth.tokens import mint_token
from enforcement_common.contracts.case import UnitCreated
from enforcement_common.migrations import upgrade
from enforcement_common.testing.delivery import deliver
from enforcement_common.testing.infra import create_scratch_database, drop_database, kafka_bootstrap

SECRET = "bench-secret-0123456789abcdef0123456789"


def content(n: int, unit: uuid.UUID, case: uuid.UUID, leader: uuid.UUID, lead: uuid.UUID) -> dict:
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4(),
        "unit_id": unit,
        "case_id": case,
        "occurred_at": now - timedelta(hours=1),
        "place": "执法大队办公室",
        "intervener_officer_id": leader,
        "intervener_name": "分管领导",
        "intervener_staff_type": "established",
        "intervener_position": "副局长",
        "method": "phone",
        "content": f"第{n}次打招呼要求从轻处罚",
        "category": "I5",
        "corrects_id": None,
        "recorded_by": f"officer-{lead}",
        "recorder_officer_id": lead,
        "recorder_name": "主办人",
        "recorded_at": now,
    }


COLUMNS = [*chain.HASHED_FIELDS, "prev_hash", "hash"]


async def timed(total: int, concurrency: int, one) -> float:
    """Appends per second: ``one(i)`` called ``total`` times by ``concurrency`` workers."""
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            await one(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - start)


async def main(total: int, concurrency: int, chain_size: int) -> dict:
    name, url = await create_scratch_database()
    async_url = url.replace("postgresql://", "postgresql+asyncpg://")
    try:
        await asyncio.to_thread(upgrade, "accountability_service", async_url)
        app = create_app(
            Settings(
                database_url=async_url,
                kafka_bootstrap_servers=kafka_bootstrap(),
                auth_jwt_secret=SECRET,
                run_workers=False,
            )
        )
        async with app.router.lifespan_context(app):
            unit, case, leader, lead, co = (uuid.uuid4() for _ in range(5))
            await deliver(app, UnitCreated(unit_id=unit, code="B1", name="城关镇", kind="county", parent_id=None))
            pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
            # the directory as case-service's events would have made it (officers and the case)
            async with pool.acquire() as connection:
                for officer, officer_name in ((leader, "分管领导"), (lead, "主办人"), (co, "协办人")):
                    await connection.execute(
                        "INSERT INTO officer_views (officer_id, unit_id, name, qualification_status, staff_type)"
                        " VALUES ($1, $2, $3, 'active', 'established')",
                        officer,
                        unit,
                        officer_name,
                    )
                await connection.execute(
                    "INSERT INTO case_views (case_id, unit_id, case_no, category, lead_handler_id, handler_ids, filed_on)"
                    " VALUES ($1, $2, '城关〔2026〕1号', 'penalty', $3, $4, CURRENT_DATE)",
                    case,
                    unit,
                    lead,
                    [lead, co],
                )
            placeholders = ", ".join(f"${i + 1}" for i in range(len(COLUMNS)))
            insert = f"INSERT INTO interference_records ({', '.join(COLUMNS)}) VALUES ({placeholders})"

            async def bare(i: int) -> None:
                row = content(i, unit, case, leader, lead)
                async with pool.acquire() as connection:
                    await connection.execute(insert, *row.values(), chain.GENESIS, uuid.uuid4().hex * 2)

            async def register(i: int) -> None:
                async with app.state.sessions() as session, session.begin():
                    await _append(session, content(i, unit, case, leader, lead))

            token = mint_token(roles=["officer"], unit_id=str(unit), officer_id=str(lead), secret=SECRET, name="主办人")
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
            body = {
                "case_id": str(case),
                "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
                "place": "执法大队办公室",
                "intervener": {"officer_id": str(leader), "position": "副局长"},
                "method": "phone",
                "content": "打招呼要求从轻处罚",
                "category": "I5",
            }

            async def api(i: int) -> None:
                answer = await client.post(
                    "/api/v1/interference-records",
                    json=body,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
                )
                assert answer.status_code == 201, answer.text

            legal = mint_token(roles=["legal_affairs"], unit_id=str(unit), secret=SECRET, name="法制员")
            other = {
                "source": "complaint",
                "case_id": str(case),
                "unit_id": str(unit),
                "description": "投诉",
                "received_on": datetime.now(UTC).date().isoformat(),
            }

            async def api_other(i: int) -> None:
                answer = await client.post(
                    "/api/v1/error-cases",
                    json=other,
                    headers={"Authorization": f"Bearer {legal}", "Idempotency-Key": str(uuid.uuid4())},
                )
                assert answer.status_code == 201, answer.text

            # the bare rows are removed before the chain is built (they carry no valid chain)
            bare_rate = await timed(total, concurrency, bare)
            async with pool.acquire() as connection:
                await connection.execute("ALTER TABLE interference_records DISABLE TRIGGER USER")
                await connection.execute("DELETE FROM interference_records")
                await connection.execute("ALTER TABLE interference_records ENABLE TRIGGER USER")
            register_rate = await timed(total, concurrency, register)
            api_rate = await timed(max(total // 4, 50), concurrency, api)
            other_rate = await timed(max(total // 4, 50), concurrency, api_other)
            await client.aclose()

            # 2. a chain of chain_size records: computed here, written by COPY, then verified.
            async with app.state.sessions() as session:
                report = await verify(session)
            prev, existing = report.head_hash, report.count
            rows = []
            for i in range(chain_size - existing):
                row = content(i, unit, case, leader, lead)
                h = chain.record_hash(prev, row)
                rows.append((*row.values(), prev, h))
                prev = h
            async with pool.acquire() as connection:
                await connection.copy_records_to_table("interference_records", records=rows, columns=COLUMNS)
            await pool.close()
            start = time.perf_counter()
            async with app.state.sessions() as session:
                full = await verify(session)
            verify_seconds = time.perf_counter() - start
            assert full.valid and full.count == chain_size, full
            start = time.perf_counter()
            async with app.state.sessions() as session:
                proved = await verify(session, chain_size // 2, rows[chain_size // 2 - existing - 1][-1])
            checkpoint_seconds = time.perf_counter() - start
            assert proved.extends_checkpoint, proved
        return {
            "appends": total,
            "concurrency": concurrency,
            "bare_insert_per_s": round(bare_rate, 1),
            "register_append_per_s": round(register_rate, 1),
            "register_vs_bare": round(register_rate / bare_rate, 3),
            "api_post_per_s": round(api_rate, 1),
            "api_vs_bare": round(api_rate / bare_rate, 3),
            "api_post_error_case_per_s": round(other_rate, 1),
            "api_record_vs_api_error_case": round(api_rate / other_rate, 3),
            "chain_records": chain_size,
            "verify_seconds": round(verify_seconds, 2),
            "verify_records_per_s": round(chain_size / verify_seconds),
            "verify_with_checkpoint_seconds": round(checkpoint_seconds, 2),
        }
    finally:
        await drop_database(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--chain", type=int, default=100_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.appends, args.concurrency, args.chain)), indent=2, ensure_ascii=False))
