"""CONTRACT.md "calendar": a year published on case-service (PUT /calendar/{year}) reaches
every service through calendar.year_published; each applies it to its own
calendar_years table, from which any of its replicas counts working days of that year."""

from __future__ import annotations

import asyncio
import importlib
from contextlib import AsyncExitStack
from datetime import date

import httpx
import pytest
from sqlalchemy import select

from enforcement_common.auth.tokens import mint_token
from enforcement_common.calendar import CalendarNotCovered, PublishedCalendar, calendar_in_use, due_date
from enforcement_common.holidays import calendar_years, load_published_years
from enforcement_common.migrations import upgrade
from enforcement_common.testing.infra import create_scratch_database, drop_database, kafka_bootstrap

SECRET = "calendar-everywhere-secret-0123456789abcdef"
TEST_YEAR = 2102  # a test year: no library release covers it
SERVICES = ("case", "tolerance", "review", "accountability", "stats")


@pytest.mark.timeout(300)
async def test_a_year_published_on_case_service_is_applied_by_every_service() -> None:
    async with AsyncExitStack() as stack:
        apps = {}
        for name in SERVICES:
            package = f"{name}_service"
            main = importlib.import_module(f"{package}.main")
            settings_class = importlib.import_module(f"{package}.config").Settings
            db, url = await create_scratch_database()
            stack.push_async_callback(drop_database, db)
            url = url.replace("postgresql://", "postgresql+asyncpg://")
            await asyncio.to_thread(upgrade, package, url)
            app = main.create_app(
                settings_class(database_url=url, kafka_bootstrap_servers=kafka_bootstrap(), auth_jwt_secret=SECRET)
            )
            await stack.enter_async_context(app.router.lifespan_context(app))
            apps[name] = app
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=apps["case"]), base_url="http://case")
        )
        admin = {"Authorization": f"Bearer {mint_token(roles=['admin'], unit_id=None, secret=SECRET)}"}
        body = {
            "holidays": [f"{TEST_YEAR}-01-01", f"{TEST_YEAR}-01-02", f"{TEST_YEAR}-01-03"],
            "adjusted_working_days": [],
            "source": "测试年节假日安排",
        }
        published = await client.put(f"/api/v1/calendar/{TEST_YEAR}", json=body, headers=admin)
        assert published.status_code == 200, published.text

        async def applied(app) -> bool:
            async with app.state.sessions() as session:
                row = (await session.execute(select(calendar_years).where(calendar_years.c.year == TEST_YEAR))).first()
            return row is not None and sorted(row.holidays) == [date.fromisoformat(d) for d in body["holidays"]]

        deadline = asyncio.get_running_loop().time() + 120
        while not all([await applied(app) for app in apps.values()]):
            assert asyncio.get_running_loop().time() < deadline, {n: await applied(a) for n, a in apps.items()}
            await asyncio.sleep(0.5)

        # A replica that never saw the event counts the year from its service's table.
        for name in SERVICES:
            with pytest.raises(CalendarNotCovered):
                due_date(date(TEST_YEAR, 1, 1), 1, "working")
            replica = PublishedCalendar()
            assert await load_published_years(apps[name].state.sessions, replica) >= 1
            with calendar_in_use(replica):
                # 2102-01-01..03 off; 2102-01-04 is a Wednesday.
                assert due_date(date(TEST_YEAR, 1, 1), 1, "working") == date(TEST_YEAR, 1, 4), name
