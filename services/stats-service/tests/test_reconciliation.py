"""Reconciliation end to end: a real case-service app (its own migrated database, served over
HTTP) loaded with the demo county through its API; the events it wrote to its outbox
delivered to stats-service in order; ``GET /admin/reconciliation`` then compares stats-service's
figures with case-service's own ``GET /cases:counts`` — they must agree, category by category."""

from __future__ import annotations

import json
from datetime import date

import asyncpg
import httpx

from enforcement_common.calendar import today
from enforcement_common.events import Envelope
from enforcement_common.testing.databases import database_from_template
from enforcement_common.testing.delivery import deliver
from enforcement_common.testing.infra import kafka_bootstrap
from enforcement_common.testing.kit import TEST_JWT_SECRET, headers
from enforcement_common.testing.live import serve_in_thread
from stats_service.projection.service import APPLIED_TYPES


async def test_stat_7_reconciliation_agrees_with_case_services_own_counts(app_builder, database):
    from case_service.config import Settings as CaseSettings
    from case_service.demo import load
    from case_service.main import create_app as create_case_app

    async with database_from_template("case_service") as case_db:
        case_app = create_case_app(
            CaseSettings(
                database_url=case_db,
                kafka_bootstrap_servers=kafka_bootstrap(),
                auth_jwt_secret=TEST_JWT_SECRET,
                run_workers=False,
            )
        )
        with serve_in_thread(case_app) as case_url:
            await load(case_url, TEST_JWT_SECRET, 60)
            conn = await asyncpg.connect(case_db.replace("postgresql+asyncpg://", "postgresql://", 1))
            try:
                payloads = [row["payload"] for row in await conn.fetch("SELECT payload FROM outbox ORDER BY id")]
            finally:
                await conn.close()
            app = app_builder(database, case_service_url=case_url)
            async with app.router.lifespan_context(app):
                events = [json.loads(p) if isinstance(p, str) else p for p in payloads]
                for event in events:
                    envelope = Envelope.model_validate(event)
                    if envelope.type in APPLIED_TYPES:
                        await deliver(app, envelope)
                county = next(
                    e["data"]["unit_id"]
                    for e in events
                    if e["type"] == "unit.created" and e["data"]["kind"] == "county"
                )
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://stats") as client:
                    r = await client.get(
                        "/api/v1/admin/reconciliation",
                        params={
                            "unit_id": county,
                            "from": date(today().year - 2, 1, 1).isoformat(),
                            "to": today().isoformat(),
                        },
                        headers=headers("auditor", unit=county),
                    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["differences"] == [] and body["matches"] is True
    assert sum(int(row["filed"]) for row in body["theirs"].values()) > 0
    assert sum(int(row["decided"]) for row in body["ours"].values()) > 0
    assert body["source"].endswith("/api/v1/cases:counts")
