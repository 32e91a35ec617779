"""The holiday calendar case-service owns (CONTRACT.md "calendar"): GET/PUT /calendar/{year},
calendar.year_published, and deadlines that awaited a year counted as soon as it is
published — without a restart."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from enforcement_common.calendar import today

TEST_YEAR = today().year + 1  # not covered by the library until its release


def schedule(year: int = TEST_YEAR) -> dict:
    weekend = next(date(year, 2, d) for d in range(1, 8) if date(year, 2, d).weekday() == 5)
    return {
        "holidays": [date(year, 1, 1).isoformat(), *(date(year, 2, d).isoformat() for d in range(10, 17))],
        "adjusted_working_days": [weekend.isoformat()],
        "source": f"国务院办公厅关于{year}年部分节假日安排的通知（测试年）",
    }


CALENDAR = "/api/v1/calendar"


async def test_only_an_admin_publishes_a_consistent_schedule(client, as_headers) -> None:
    year = TEST_YEAR
    bureau = as_headers("justice_bureau", unit="00000000-0000-0000-0000-000000000001")
    assert (await client.put(f"{CALENDAR}/{year}", json=schedule(), headers=bureau)).status_code == 403
    wrong = schedule()
    wrong["holidays"].append(date(year + 1, 1, 1).isoformat())  # another year
    wrong["adjusted_working_days"].append(date(year, 2, 10).isoformat())  # also a holiday
    monday = next(date(year, 3, d) for d in range(1, 8) if date(year, 3, d).weekday() == 0)
    wrong["adjusted_working_days"].append(monday.isoformat())  # a weekday is worked anyway
    refused = await client.put(f"{CALENDAR}/{year}", json=wrong, headers=as_headers("admin"))
    assert refused.status_code == 422 and refused.json()["code"] == "calendar.invalid_schedule"
    messages = " | ".join(e["msg"] for e in refused.json()["errors"])
    assert f"is not in {year}" in messages and "is also a holiday" in messages and "is a weekday" in messages
    assert (await client.get(f"{CALENDAR}/{year}", headers=as_headers("admin"))).status_code == 404


async def test_a_published_year_is_read_back_and_announced_once(client, app, as_headers) -> None:
    put = await client.put(f"{CALENDAR}/{TEST_YEAR}", json=schedule(), headers=as_headers("admin"))
    assert put.status_code == 200, put.text
    again = await client.put(f"{CALENDAR}/{TEST_YEAR}", json=schedule(), headers=as_headers("admin"))
    assert again.json() == put.json()
    read = (await client.get(f"{CALENDAR}/{TEST_YEAR}", headers=as_headers("admin"))).json()
    assert read["origin"] == "published" and read["holidays"] == sorted(schedule()["holidays"])
    async with app.state.sessions() as session:
        events = (
            (await session.execute(text("SELECT payload FROM outbox WHERE event_type = 'calendar.year_published'")))
            .scalars()
            .all()
        )
    assert [e["data"]["year"] for e in events] == [TEST_YEAR], "the same schedule again announces nothing"
    library = (await client.get(f"{CALENDAR}/2025", headers=as_headers("admin"))).json()
    assert library["origin"] == "library" and "2025-10-01" in library["holidays"]


async def test_CASE_9_a_deadline_awaiting_the_calendar_is_counted_when_its_year_is_published(
    database, app_builder, make_world, as_headers
) -> None:
    """A service period running into next year awaits the calendar; publishing the year
    counts it at once, in the running service (no restart, no hourly wait)."""
    import httpx

    app = app_builder(database)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://case.test") as client,
    ):
        world = await make_world(client)
        long_service = {"deadlines": {"penalty": {"decision_days": 90, "service_days": 60}}}  # into next year
        policy = await client.post(
            "/api/v1/policies",
            json={
                "issuer_unit_id": world.units["XC"],
                "effective_from": today().isoformat(),
                "values": long_service,
                "source": {"title": "某县送达期限（测试）"},
            },
            headers=as_headers("justice_bureau", unit=world.units["XC"]),
        )
        assert policy.status_code == 201, policy.text
        case = (await world.file()).json()
        await world.act(case["id"], "investigation")
        decision = {
            "decision_type": "罚款",
            "penalty_kinds": ["fine"],
            "fine_amount": "100",
            "decided_on": today().isoformat(),
            "legal_basis": "x",
        }
        decided = (await world.act(case["id"], "decision", decision)).json()
        service = {d["kind"]: d for d in decided["deadlines"]}["service"]
        assert service["status"] == "awaiting_calendar" and service["due_on"] is None

        put = await client.put(f"{CALENDAR}/{TEST_YEAR}", json=schedule(), headers=as_headers("admin"))
        assert put.status_code == 200, put.text
        read = (await client.get(f"/api/v1/cases/{case['id']}", headers=world.as_officer("T1"))).json()
        service = {d["kind"]: d for d in read["deadlines"]}["service"]
        assert service["status"] == "open" and service["due_on"] is not None
        due = date.fromisoformat(service["due_on"])
        assert due.year == TEST_YEAR and due.isoformat() not in schedule()["holidays"]
        assert due.weekday() < 5 or due.isoformat() in schedule()["adjusted_working_days"]
