"""/stats/* over events delivered through the real inbox: one test per counting rule."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy import text

from enforcement_common.calendar import today
from enforcement_common.contracts.accountability import ErrorCaseDecided, ErrorCaseOpened, Respondent
from enforcement_common.contracts.case import OfficerQualificationChanged, OfficerUpdated
from enforcement_common.contracts.tolerance import ToleranceDecided
from enforcement_common.testing.delivery import assert_handler_idempotent_on_state
from enforcement_common.testing.kit import headers

Y = 2026


def auth(*roles, unit=None):
    return headers(*roles, unit=unit)


JAN = date(Y, 1, 10)


async def _county_with_two_townships(deliver, world, duties_b=("penalty", "inspection")):
    county = world.unit("某县")
    a = world.unit("城关镇", county.unit_id)
    b = world.unit("西关镇", county.unit_id, duties=duties_b)
    for u in (county, a, b):
        await deliver(u)
    return county, a, b


async def _cases(client, unit, **params):
    r = await client.get(
        "/api/v1/stats/cases", params={"unit_id": str(unit), **params}, headers=auth("justice_bureau", unit=unit)
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_stat_5c_filed_decided_closed_amounts_and_hearings_roll_up_the_unit_tree(client, deliver, world):
    county, a, b = await _county_with_two_townships(deliver, world)
    officer = world.officer(a.unit_id, "张三")
    await deliver(officer)
    c1 = world.case(a.unit_id, officer.officer_id, filed_on=JAN)
    c2 = world.case(b.unit_id, officer.officer_id, filed_on=date(Y, 2, 1), category="inspection")
    for e in (
        c1,
        world.decided(c1, date(Y, 3, 1), kinds=["fine"], fine="1234.56", confiscation="100.01", hearing=True),
        world.closed(c1, date(Y, 4, 1), fine="1234.56", confiscation="100.01", hearing=True),
        c2,
        world.closed(c2, date(Y, 5, 1)),
    ):
        await deliver(e)
    totals = (await _cases(client, county.unit_id, period=str(Y)))["totals"]
    assert (totals["filed"], totals["decided"], totals["closed"], totals["hearings"]) == (2, 1, 2, 1)
    assert (totals["fines_total"], totals["confiscations_total"]) == ("1234.56", "100.01")
    # a township sees its own; the period counts the fact's date (STAT-7): Q1 has both filings, no closure
    only_a = (await _cases(client, a.unit_id, period=str(Y)))["totals"]
    assert only_a["filed"] == 1 and only_a["closed"] == 1
    q1 = (await _cases(client, county.unit_id, period=f"{Y}Q1"))["totals"]
    assert (q1["filed"], q1["decided"], q1["closed"]) == (2, 1, 0)
    by_month = await _cases(client, county.unit_id, period=str(Y), group_by="month")
    assert [g["key"] for g in by_month["groups"]] == [f"{Y}-01", f"{Y}-02", f"{Y}-03", f"{Y}-04", f"{Y}-05"]
    by_unit = {g["key"]: g for g in (await _cases(client, county.unit_id, period=str(Y), group_by="unit"))["groups"]}
    assert by_unit[str(b.unit_id)]["closed"] == 1 and by_unit[str(a.unit_id)]["fines_total"] == "1234.56"
    custom = await _cases(client, county.unit_id, **{"from": f"{Y}-03-01", "to": f"{Y}-03-31"})
    assert custom["totals"]["decided"] == 1 and custom["totals"]["filed"] == 0


async def test_stat_7_a_decision_with_several_kinds_counts_once_under_its_heaviest(client, deliver, world):
    county, a, _ = await _county_with_two_townships(deliver, world)
    officer = world.officer(a.unit_id, "李四")
    await deliver(officer)
    heavy = world.case(a.unit_id, officer.officer_id, filed_on=JAN)
    light = world.case(a.unit_id, officer.officer_id, filed_on=JAN)
    for e in (
        heavy,
        world.decided(heavy, JAN, kinds=["warning", "fine", "license_revocation"], fine="500.00"),
        light,
        world.decided(light, JAN, kinds=["warning"]),
    ):
        await deliver(e)
    penalty = next(g for g in (await _cases(client, county.unit_id, period=str(Y)))["groups"] if g["key"] == "penalty")
    assert penalty["decided"] == 2
    assert penalty["penalty_decisions_by_kind"] == {"k1": 1, "k2": 0, "k3": 1, "k4": 0, "k5": 0, "k0": 0}


async def test_stat_7_a_case_counts_once_however_often_its_events_come(client, deliver, app, world):
    county, a, _ = await _county_with_two_townships(deliver, world)
    officer = world.officer(a.unit_id, "王五")
    await deliver(officer)
    filed = world.case(a.unit_id, officer.officer_id, filed_on=JAN)
    decided = world.decided(filed, JAN, kinds=["fine"], fine="10.00")
    await deliver(filed, times=3)
    await deliver(decided, times=2, replay=True)  # published again, at a new position
    await assert_handler_idempotent_on_state(app, world.closed(filed, JAN, fine="10.00"))
    totals = (await _cases(client, county.unit_id, period=str(Y)))["totals"]
    assert (totals["filed"], totals["decided"], totals["closed"], totals["fines_total"]) == (1, 1, 1, "10.00")


async def test_stat_8_no_duty_is_shown_as_such_and_a_duty_without_cases_as_zero(client, deliver, world):
    _, _, b = await _county_with_two_townships(deliver, world, duties_b=("penalty", "inspection"))
    groups = {g["key"]: g for g in (await _cases(client, b.unit_id, period=str(Y)))["groups"]}
    assert groups["penalty"]["no_duty"] is False and groups["penalty"]["filed"] == 0
    assert groups["license"]["no_duty"] is True and groups["license"]["filed"] is None


async def test_stat_5b_stat_8_holders_and_rate_on_a_past_date(client, deliver, world):
    county, a, b = await _county_with_two_townships(deliver, world)
    valid = world.officer(a.unit_id, "持证甲", expires_on=date(2030, 1, 1))
    expired = world.officer(a.unit_id, "过期乙", expires_on=date(2025, 6, 30))
    retired = world.officer(b.unit_id, "退休丙", staff_type="retired")
    for o in (valid, expired, retired):
        await deliver(o)
    suspended_on = date.today() + timedelta(days=10)
    await deliver(
        OfficerQualificationChanged(
            officer_id=valid.officer_id,
            unit_id=a.unit_id,
            **{"from": "active", "to": "suspended"},
            reason="REV-8",
            basis=["REV-8"],
            effective_on=suspended_on,
        )
    )
    headers = auth("justice_bureau", unit=county.unit_id)

    async def on(day: date) -> dict:
        r = await client.get(
            "/api/v1/stats/certificates",
            params={"unit_id": str(county.unit_id), "on": day.isoformat()},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        return r.json()["totals"]

    # the officers were registered today: on a date before, they were not officers yet
    before = await on(date(2020, 1, 1))
    assert before["officers"] == 0 and before["holder_rate"] is None
    now = await on(date.today())
    # the retired officer is not an enforcement officer; the expired certificate does not count
    assert (now["officers"], now["holders"], now["holder_rate"]) == (2, 1, "0.5000")
    # the suspension counts from its effective date, not before
    assert (await on(suspended_on - timedelta(days=1)))["holders"] == 1
    assert (await on(suspended_on))["holders"] == 0


async def test_stat_5a_trained_officers_hours_and_courses_held(client, deliver, world):
    _, a, b = await _county_with_two_townships(deliver, world)
    o1, o2, o3 = (world.officer(a.unit_id, f"学员{n}") for n in range(3))
    for o in (o1, o2, o3):
        await deliver(o)
    await deliver(world.training([o1.officer_id, o2.officer_id], start=JAN, hours=6))
    await deliver(
        world.training([o2.officer_id, o3.officer_id], kind="held", organizer=a.unit_id, start=date(Y, 2, 2), hours=4)
    )
    r = await client.get(
        "/api/v1/stats/training",
        params={"unit_id": str(a.unit_id), "period": str(Y)},
        headers=auth("unit_leader", unit=a.unit_id),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["officers_trained"] == 3 and body["trainings_attended"] == 2
    assert body["training_hours"] == "20.00"  # 2 × 6 + 2 × 4 (人·学时)
    assert (body["courses_held"], body["course_attendees"], body["course_hours"]) == (1, 2, "4.00")
    other = await client.get(
        "/api/v1/stats/training",
        params={"unit_id": str(b.unit_id), "period": str(Y)},
        headers=auth("unit_leader", unit=b.unit_id),
    )
    assert other.json()["officers_trained"] == 0


async def test_tol_15_a_respondent_granted_tolerance_is_not_counted_as_an_enforcement_error(client, deliver, world):
    county, a, _ = await _county_with_two_townships(deliver, world)
    x, y, z = (world.officer(a.unit_id, n) for n in ("甲", "乙", "丙"))
    for o in (x, y, z):
        await deliver(o)
    case = world.case(a.unit_id, x.officer_id, filed_on=JAN)
    await deliver(case)
    error_case = ErrorCaseOpened(
        error_case_id=case.case_id, unit_id=a.unit_id, case_id=case.case_id, source="litigation"
    )
    await deliver(error_case)
    await deliver(
        ErrorCaseDecided(
            error_case_id=case.case_id,
            unit_id=a.unit_id,
            case_id=case.case_id,
            is_error_case=True,
            decided_on=JAN,
            respondents=[
                Respondent(officer_id=x.officer_id, handling="h", sanctions=["circulated_criticism"], tolerated=False),
                Respondent(officer_id=y.officer_id, handling="h", sanctions=[], tolerated=True),
                Respondent(officer_id=z.officer_id, handling="h", sanctions=[], tolerated=False),
            ],
        )
    )
    # z is granted tolerance later (TOL-15): no longer an error, whatever the order of the events
    await deliver(
        ToleranceDecided(
            application_id=case.case_id,
            unit_id=a.unit_id,
            officer_ids=[z.officer_id],
            case_id=case.case_id,
            outcome="due_diligence",
            mitigation_kind=None,
            decided_on=date(Y, 2, 1),
            notify_due_on=date(Y, 2, 8),
            basis=["TOL-10"],
        )
    )
    r = await client.get(
        "/api/v1/stats/accountability",
        params={"unit_id": str(county.unit_id), "period": str(Y)},
        headers=auth("justice_bureau", unit=county.unit_id),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["error_respondents"], body["tolerated_respondents"]) == (1, 2)
    assert body["error_cases_by_source"]["litigation"] in (0, 1)  # opened on the event's day
    tolerance = await client.get(
        "/api/v1/stats/tolerance",
        params={"unit_id": str(county.unit_id), "period": str(Y)},
        headers=auth("justice_bureau", unit=county.unit_id),
    )
    assert tolerance.json()["decisions_by_outcome"]["due_diligence"] == 1
    assert tolerance.json()["officers_relieved"] == 1


async def test_as_of_names_positions_and_min_positions_behind_is_a_409(client, deliver, world):
    county, _, _ = await _county_with_two_townships(deliver, world)
    body = await _cases(client, county.unit_id, period=str(Y))
    positions = body["as_of"]["positions"]
    assert positions and all(v > 0 for v in positions.values())
    key, offset = next(iter(positions.items()))
    reached = await _cases(client, county.unit_id, period=str(Y), min_positions=f"{key}={offset}")
    assert reached["as_of"]["positions"][key] >= offset
    behind = await client.get(
        "/api/v1/stats/cases",
        params={
            "unit_id": str(county.unit_id),
            "period": str(Y),
            "min_positions": f"{key}={offset + 100}",
            "wait_ms": 200,
        },
        headers=auth("justice_bureau", unit=county.unit_id),
    )
    assert behind.status_code == 409 and behind.json()["code"] == "stats.projection_behind"
    bad = await client.get(
        "/api/v1/stats/cases",
        params={"unit_id": str(county.unit_id), "period": str(Y), "min_positions": "nonsense"},
        headers=auth("justice_bureau", unit=county.unit_id),
    )
    assert bad.status_code == 422


async def test_stat_5b_public_list_shows_only_valid_holders_and_four_fields(client, deliver, world):
    _, a, _ = await _county_with_two_townships(deliver, world)
    valid = world.officer(a.unit_id, "公示甲")
    expired = world.officer(a.unit_id, "过期乙", expires_on=date(2020, 1, 1))
    uncertified = world.officer(a.unit_id, "无证丙", no=False)
    for o in (valid, expired, uncertified):
        await deliver(o)
    await deliver(
        OfficerUpdated(
            **{
                **world.officer(a.unit_id, "x").model_dump(),
                "officer_id": uncertified.officer_id,
                "name": "无证丙",
                "certificate_no": None,
            }
        )
    )
    r = await client.get("/api/v1/public/certificate-holders")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items == [
        {
            "name": "公示甲",
            "certificate_number": valid.certificate_no,
            "unit": "城关镇",
            "valid_to": valid.certificate_expires_on.isoformat(),
        }
    ]
    again = await client.get("/api/v1/public/certificate-holders", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["CertificateHolder"]
    assert set(schema["properties"]) == {"name", "certificate_number", "unit", "valid_to"}
    assert schema.get("additionalProperties") is False


async def test_reconciliation_outside_scope_is_404_and_an_unreachable_owner_a_documented_424(
    app_builder, database, deliver, world
):
    _, a, b = await _county_with_two_townships(deliver, world)
    # nothing listens on this port: case-service's counts cannot be read
    app = app_builder(database, case_service_url="http://127.0.0.1:9")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://stats") as client:
            outside = await client.get(
                "/api/v1/admin/reconciliation",
                params={"unit_id": str(b.unit_id), "period": str(Y)},
                headers=auth("auditor", unit=a.unit_id),
            )
            assert outside.status_code == 404
            unreachable = await client.get(
                "/api/v1/admin/reconciliation",
                params={"unit_id": str(a.unit_id), "period": str(Y)},
                headers=auth("auditor", unit=a.unit_id),
            )
            assert unreachable.status_code == 424
            assert unreachable.json()["code"] == "reconciliation.source_unavailable"


async def test_an_unknown_unit_is_a_404_even_for_a_county_wide_caller(client, deliver, world):
    await _county_with_two_townships(deliver, world)
    r = await client.get(
        "/api/v1/stats/cases",
        params={"unit_id": "00000000-0000-4000-8000-00000000dead", "period": str(Y)},
        headers=auth("admin"),
    )
    assert r.status_code == 404 and r.json()["code"] == "resource.not_found"


async def test_tol_15_rev_12_a_sanction_withdrawn_and_a_review_voided_are_no_longer_counted(
    client, deliver, app, world
):
    import uuid

    from enforcement_common.contracts.accountability import SanctionImposed, SanctionWithdrawn
    from enforcement_common.contracts.review import ReviewCompleted, ReviewObligationCreated, ReviewVoided

    county, a, _ = await _county_with_two_townships(deliver, world)
    x = world.officer(a.unit_id, "甲")
    await deliver(x)
    case = world.case(a.unit_id, x.officer_id, filed_on=JAN)
    await deliver(case)
    error_case = uuid.uuid4()
    imposed = SanctionImposed(
        error_case_id=error_case,
        officer_id=x.officer_id,
        unit_id=a.unit_id,
        sanctions=["circulated_criticism", "written_self_criticism"],
        effective_on=JAN,
    )
    await deliver(imposed)
    obligation = ReviewObligationCreated(
        obligation_id=uuid.uuid4(),
        case_id=case.case_id,
        unit_id=a.unit_id,
        lead_handler_id=x.officer_id,
        basis=["REV-5"],
        closed_on=JAN,
        due_on=date(Y, 2, 9),
    )
    review = ReviewCompleted(
        review_id=uuid.uuid4(),
        case_id=case.case_id,
        unit_id=a.unit_id,
        kind="self",
        grade="unqualified",
        score=40,
        lead_handler_id=x.officer_id,
        handler_ids=[x.officer_id],
    )
    await deliver(obligation)
    await deliver(review)
    params = {"unit_id": str(county.unit_id), "from": "2020-01-01", "to": "2030-12-31"}
    reader = auth("justice_bureau", unit=county.unit_id)
    before = (await client.get("/api/v1/stats/accountability", params=params, headers=reader)).json()
    assert before["sanctions_by_kind"]["circulated_criticism"] == 1
    reviews = (await client.get("/api/v1/stats/reviews", params=params, headers=reader)).json()
    assert reviews["reviews_by_grade"]["unqualified"] == 1 and reviews["self_reviewed"] == 1
    withdrawn = SanctionWithdrawn(
        error_case_id=error_case,
        officer_id=x.officer_id,
        unit_id=a.unit_id,
        sanctions=["circulated_criticism"],
        reason="容错免责（TOL-15）",
        basis=["TOL-15"],
        effective_on=date(Y, 3, 1),
    )
    voided = ReviewVoided(
        review_id=review.review_id,
        case_id=case.case_id,
        unit_id=a.unit_id,
        kind="self",
        grade="unqualified",
        lead_handler_id=x.officer_id,
        reason="行政诉讼",
        remedy_id=uuid.uuid4(),
        remedy_filed_on=JAN,
        basis=["REV-12"],
    )
    await assert_handler_idempotent_on_state(app, withdrawn)
    await assert_handler_idempotent_on_state(app, voided)
    after = (await client.get("/api/v1/stats/accountability", params=params, headers=reader)).json()
    assert after["sanctions_by_kind"]["circulated_criticism"] == 0
    assert after["sanctions_by_kind"]["written_self_criticism"] == 1
    reviews = (await client.get("/api/v1/stats/reviews", params=params, headers=reader)).json()
    assert reviews["reviews_by_grade"]["unqualified"] == 0 and reviews["self_reviewed"] == 0


async def test_stat_8_a_unit_event_reaches_the_projection_and_the_unit_scope_each_once(app, client, deliver, world):
    """unit.created is read by two consumer groups of this service — the projection (duties,
    roll-up) and the platform's unit tree (scope): each applies it, whichever comes first, and
    a redelivery to either changes nothing. (With one inbox row per event id, the second group
    skipped it: a county then answered 404 here, or counted without its duties.)"""
    county = world.unit("某县司法局")
    assert await deliver(county, times=2) == [True, False]
    async with app.state.sessions() as session:
        tree = await session.scalar(text("SELECT count(*) FROM unit_tree WHERE unit_id = :u"), {"u": county.unit_id})
        projected = await session.scalar(
            text("SELECT count(*) FROM stat_units WHERE unit_id = :u"), {"u": county.unit_id}
        )
        groups = await session.scalar(text("SELECT count(*) FROM inbox WHERE event_type = 'unit.created'"))
    assert (tree, projected, groups) == (1, 1, 2), "one inbox row per consumer group"
    answer = await client.get(
        "/api/v1/stats/cases", params={"unit_id": str(county.unit_id), "period": str(Y)}, headers=auth("admin")
    )
    assert answer.status_code == 200 and answer.json()["totals"]["filed"] == 0


async def test_stat_7_an_error_case_counts_in_the_period_it_was_received(client, deliver, world):
    """STAT-7: in the period of the fact — an error case received on 30 December counts in that
    year even when its event is applied in the next; an event without the date (of before)
    counts on the day it was published."""
    county, a, _ = await _county_with_two_townships(deliver, world)
    received = ErrorCaseOpened(
        error_case_id=uuid.uuid4(), unit_id=a.unit_id, case_id=None, source="complaint", received_on=date(Y - 1, 12, 30)
    )
    undated = ErrorCaseOpened(error_case_id=uuid.uuid4(), unit_id=a.unit_id, case_id=None, source="supervision")
    for event in (received, undated):
        await deliver(event)

    async def by_source(year: int) -> dict:
        r = await client.get(
            "/api/v1/stats/accountability",
            params={"unit_id": str(county.unit_id), "period": str(year)},
            headers=auth("justice_bureau", unit=county.unit_id),
        )
        assert r.status_code == 200, r.text
        return {k: v for k, v in r.json()["error_cases_by_source"].items() if v}

    assert await by_source(Y - 1) == {"complaint": 1}
    assert await by_source(today().year) == {"supervision": 1}
