"""Benchmark of ``GET /cases`` on a unit with 100 000 cases (not a test: see benchkit).

case-service runs as its own process on a scratch database; the unit's cases (and a
sibling unit's, a sub-unit in the reader's scope, so that scope matters) are written straight into the database with one
``INSERT … SELECT generate_series`` (the API's filing is measured by bench_case_service).
Then, one request at a time, pages of 50 of a filtered list (``status=decided``, walking the
cursor) are read through the API and, in the same run and interleaved with them, by the
bare asyncpg query that reads the same page — the baseline of the ratio:

* ``bare_page``: the page's case rows (the same filter, order and keyset as the API);
* ``bare_page_with_deadlines``: those rows and their deadlines (what the API returns);
* ``GET /healthz``: the HTTP stack with no work at all (the floor of any endpoint here).

Target: the API's p99 within 3× the bare page's p99.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from datetime import date
from urllib.parse import quote

import asyncpg
import httpx
from benchkit import (
    KeepAliveConnection,
    auth,
    cpu_seconds,
    encode_get,
    percentiles,
    running_service,
    unit_with_officers,
)

STATUSES = ["filed", "investigating", "reviewing", "decided", "served", "executed", "closed", "archived"]
CATEGORIES = ["penalty", "license", "coercion", "inspection", "levy", "requisition"]

SEED = """
INSERT INTO cases (id, unit_id, case_no, case_year, case_number, category, title, summary, party,
                   lead_handler_id, co_handler_ids, is_major, filed_on, status, version)
SELECT gen_random_uuid(), $1, $2 || '〔' || (2024 + n / 40000) || '〕' || n || '号', 2024 + n / 40000, n,
       ($5::text[])[1 + n % 6], '基准案件 ' || n, '', '{"name": "某公司", "kind": "organization"}'::jsonb,
       $3, ARRAY[$4]::uuid[], false, DATE '2024-01-01' + (n % 1000), ($6::text[])[1 + (n * 7) % 8], 1
FROM generate_series(1, $7) AS n
"""
DEADLINES = """
INSERT INTO case_deadlines (id, case_id, unit_id, kind, due_on, basis)
SELECT gen_random_uuid(), id, unit_id, 'decision', filed_on + 90, ARRAY['CASE-9'] FROM cases WHERE category = 'penalty'
"""
BARE_PAGE = """
SELECT * FROM cases WHERE unit_id = $1 AND status = $2 AND (filed_on, id) > ($3, $4)
ORDER BY filed_on, id LIMIT 51
"""
BARE_DEADLINES = "SELECT * FROM case_deadlines WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, due_on"


async def main(cases: int, samples: int, pages: int) -> dict:
    async with running_service("case-service") as service:
        async with httpx.AsyncClient(base_url=service.url, timeout=60) as client:
            units, officers = {}, {}
            units["BENCH"], officers["BENCH"] = await unit_with_officers(client, "BENCH")
            units["SIBL"], officers["SIBL"] = await unit_with_officers(
                client, "SIBL", kind="township", parent_id=units["BENCH"]
            )
        pool = await asyncpg.create_pool(service.database_url, min_size=1, max_size=2)
        try:
            for code, count in (("BENCH", cases), ("SIBL", cases // 5)):
                lead, co = officers[code]
                await pool.execute(
                    SEED, uuid.UUID(units[code]), code, uuid.UUID(lead), uuid.UUID(co), CATEGORIES, STATUSES, count
                )
            await pool.execute(DEADLINES)
            await pool.execute("VACUUM ANALYZE cases")
            await pool.execute("VACUUM ANALYZE case_deadlines")

            unit = uuid.UUID(units["BENCH"])
            reader = auth("officer", unit=units["BENCH"])
            http = await KeepAliveConnection.open(service.url)
            # The cursors of the first pages, read once through the API (the walk each sample repeats).
            cursors: list[str | None] = [None]
            keys: list[tuple] = [(None, None)]
            for _ in range(pages - 1):
                status, body = await http.request(encode_get(_list_path(unit, cursors[-1]), reader))
                assert status == 200, body
                page = json.loads(body)
                assert len(page["items"]) == 50 and page["next_cursor"], page
                last = page["items"][-1]
                cursors.append(page["next_cursor"])
                keys.append((date.fromisoformat(last["filed_on"]), uuid.UUID(last["id"])))
            requests = [encode_get(_list_path(unit, cursor), reader) for cursor in cursors]
            healthz = encode_get("/healthz", {})

            async with pool.acquire() as connection:
                low = (await connection.fetchval("SELECT min(filed_on) FROM cases")).replace(year=1990)

                async def bare(k: int, with_deadlines: bool) -> None:
                    filed_on, case_id = keys[k]
                    rows = await connection.fetch(
                        BARE_PAGE, unit, "decided", filed_on or low, case_id or uuid.UUID(int=0)
                    )
                    assert len(rows) == 51
                    if with_deadlines:
                        await connection.fetch(BARE_DEADLINES, [row["id"] for row in rows[:50]])

                async def api(k: int) -> None:
                    status, body = await http.request(requests[k])
                    assert status == 200, body

                async def floor(_: int) -> None:
                    status, body = await http.request(healthz)
                    assert status == 200, body

                figures: dict[str, list[float]] = {"api": [], "bare_page": [], "bare_with_deadlines": [], "healthz": []}
                probes = {
                    "api": api,
                    "bare_page": lambda k: bare(k, False),
                    "bare_with_deadlines": lambda k: bare(k, True),
                    "healthz": floor,
                }
                for round_ in range(samples + 20):  # interleaved, so that load changes weigh on all alike
                    for name, probe in probes.items():
                        started = asyncio.get_running_loop().time()
                        await probe(round_ % pages)
                        if round_ >= 20:  # warm-up
                            figures[name].append((asyncio.get_running_loop().time() - started) * 1000)
                # The server's CPU per page (robust to the shared machine's load, unlike latency).
                cpu_before = cpu_seconds(service.process.pid)
                for k in range(200):
                    await api(k % pages)
                api_cpu_ms = (cpu_seconds(service.process.pid) - cpu_before) * 1000 / 200
                plan = await connection.fetch(
                    "EXPLAIN (ANALYZE, BUFFERS) " + BARE_PAGE, unit, "decided", keys[pages - 1][0], keys[pages - 1][1]
                )
            http.close()
        finally:
            await pool.close()
    result = {name: percentiles(values) for name, values in figures.items()}
    return {
        "cases_in_unit": cases,
        "filter": "status=decided, limit=50, pages 1.." + str(pages),
        "samples": samples,
        **result,
        "api_server_cpu_ms_per_page": round(api_cpu_ms, 2),
        "p99_ratio_api_to_bare_page": round(result["api"]["p99_ms"] / result["bare_page"]["p99_ms"], 2),
        "p99_ratio_api_to_bare_with_deadlines": round(
            result["api"]["p99_ms"] / result["bare_with_deadlines"]["p99_ms"], 2
        ),
        "p99_ratio_healthz_to_bare_page": round(result["healthz"]["p99_ms"] / result["bare_page"]["p99_ms"], 2),
        "bare_page_plan": [row[0] for row in plan][:6],
    }


def _list_path(unit: uuid.UUID, cursor: str | None) -> str:
    path = f"/api/v1/cases?unit_id={unit}&status=decided&limit=50"
    return path + (f"&cursor={quote(cursor)}" if cursor else "")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    result = asyncio.run(main(args.cases, args.samples, args.pages))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    met = result["p99_ratio_api_to_bare_page"] <= 3
    print(f"target GET /cases p99 ≤ 3× bare page p99 — {'met' if met else 'NOT met'}", file=sys.stderr)
    sys.exit(0 if met else 1)
