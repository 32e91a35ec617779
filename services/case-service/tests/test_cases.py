"""case-service through its public API on the real test PostgreSQL: each CASE rule,
the lifecycle state machine, scope, numbering, remedies and the emitted events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx
import jsonschema
import pytest
from sqlalchemy import text

from case_service.cases import rules
from enforcement_common.auth.tokens import mint_token
from enforcement_common.calendar import today
from enforcement_common.contracts import event_model_for
from enforcement_common.contracts.documents import event_schema

CASES = "/api/v1/cases"


# --- CASE-1 / CASE-3 / CASE-9 at filing ---------------------------------------------------------


async def test_CASE_1_every_category_can_be_filed_and_others_are_refused(world) -> None:
    for category in ("penalty", "license", "coercion", "inspection", "levy", "requisition"):
        case = (await world.file(category=category)).json()
        assert case["category"] == category and case["status"] == "filed"
    await world.file(category="parking", expect=422)


async def test_CASE_3_handlers_must_hold_a_valid_unsuspended_certificate(world, client) -> None:
    refused = await world.file(handlers=("甲", "无证"), expect=422)
    assert refused.json()["code"] == "case.handler_not_qualified" and refused.json()["basis"] == ["CASE-3"]
    expired = await world.file(handlers=("甲", "过期"), expect=422)
    assert expired.json()["code"] == "case.handler_not_qualified"
    suspend = await client.post(
        f"/api/v1/officers/{world.officers['乙']}/qualification",
        json={"action": "suspend", "reason": "调查中", "basis": ["ERR-11"]},
        headers={"Authorization": world.as_officer("XC", "justice_bureau")["Authorization"]},
    )
    assert suspend.status_code == 200 and suspend.json()["qualification_status"] == "suspended"
    assert (await world.file(handlers=("甲", "乙"), expect=422)).json()["basis"] == ["CASE-3"]
    allowed = await world.file(handlers=("甲", "丙"))
    assert allowed.json()["lead_handler_id"] == world.officers["甲"]


async def test_CASE_9_two_certified_handlers_where_the_policy_requires(world) -> None:
    refused = await world.file(category="penalty", handlers=("甲",), expect=422)
    assert refused.json()["code"] == "case.too_few_handlers" and refused.json()["basis"] == ["CASE-9"]
    assert (await world.file(category="coercion", handlers=("甲",), expect=422)).json()[
        "code"
    ] == "case.too_few_handlers"
    assert (await world.file(category="license", handlers=("甲",))).status_code == 201
    assert (await world.file(category="penalty", handlers=("甲", "乙"))).status_code == 201


async def test_CASE_9_decision_and_service_deadlines(world) -> None:
    filed_on = today() - timedelta(days=100)
    case = (await world.file(filed_on=filed_on.isoformat(), roles=("platform",))).json()
    [decision] = case["deadlines"]
    assert decision["kind"] == "decision" and decision["due_on"] == (filed_on + timedelta(days=90)).isoformat()
    assert decision["status"] == "overdue" and decision["basis"] == ["CASE-9"]
    await world.act(case["id"], "investigation")
    decided = (
        await world.act(
            case["id"],
            "decision",
            {
                "decision_type": "罚款",
                "penalty_kinds": ["fine"],
                "fine_amount": "100",
                "decided_on": today().isoformat(),
                "legal_basis": "x",
            },
        )
    ).json()
    deadlines = {d["kind"]: d for d in decided["deadlines"]}
    # Decided 10 days after its last day: met_late (this asserted "met" before — the breach was hidden).
    assert deadlines["decision"]["status"] == "met_late" and deadlines["decision"]["met_on"] == today().isoformat()
    assert deadlines["decision"]["days_late"] == 10
    assert deadlines["service"]["status"] == "open" and deadlines["service"]["basis"] == ["CASE-9"]
    assert deadlines["service"]["due_on"] == rules.service_due(today(), rules.DEFAULT_DEADLINES["penalty"]).isoformat()
    served = (await world.act(case["id"], "service", {"served_on": today().isoformat(), "method": "mail"})).json()
    assert {d["kind"]: d["status"] for d in served["deadlines"]} == {"decision": "met_late", "service": "met"}
    license_case = (await world.file(category="license", handlers=("甲",))).json()
    assert license_case["deadlines"] == [], "no statutory decision period for licences by default"


async def test_CASE_9_a_deadline_beyond_the_published_holiday_calendar_waits_for_it(
    database, app_builder, make_world, as_headers
) -> None:
    """Working days of a year whose holiday schedule is not published cannot be counted: the
    decision is recorded all the same, its service deadline awaits the calendar (no invented
    date, no overdue event), and its day is counted once the calendar covers it."""
    from case_service.cases.deadlines import count_awaited_days, scanner
    from enforcement_common.calendar import calendar_in_use

    app = app_builder(database)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://case.test") as client,
    ):
        world = await make_world(client)
        # The county's policy: working days far past any published calendar.
        beyond = {"deadlines": {"penalty": {"decision_days": 90, "service_days": 2000}}}
        policy = await client.post(
            "/api/v1/policies",
            json={
                "issuer_unit_id": world.units["XC"],
                "effective_from": today().isoformat(),
                "values": beyond,
                "source": {"title": "某县行政处罚期限规定（测试）"},
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
        decided = await world.act(case["id"], "decision", decision)
        assert decided.status_code == 200, decided.text
        service = {d["kind"]: d for d in decided.json()["deadlines"]}["service"]
        assert service == {
            "kind": "service", "due_on": None, "status": "awaiting_calendar", "met_on": None, "basis": ["CASE-9"],
            "policy_id": policy.json()["id"], "days_late": None, "original_due_on": None, "extensions": [],
        }  # fmt: skip
        assert await scanner(60).scan_once(app.state.sessions) == 0
        assert await count_awaited_days(app.state.sessions) == 0, "still not countable"
        # The calendar now covers the period: the coming years are published (test schedules).
        for year in range(today().year + 1, today().year + 10):
            schedule = {"holidays": [], "adjusted_working_days": [], "source": f"{year}（测试年）"}
            published = await client.put(f"/api/v1/calendar/{year}", json=schedule, headers=as_headers("admin"))
            assert published.status_code == 200, published.text
        read = (await client.get(f"/api/v1/cases/{case['id']}", headers=world.as_officer("T1"))).json()
        service = {d["kind"]: d for d in read["deadlines"]}["service"]
        with calendar_in_use(app.state.calendar):
            expected = rules.service_due(today(), rules.DeadlinePolicy(90, "calendar", 2000, "working"))
        assert service["due_on"] == expected.isoformat() and service["status"] == "open"


async def test_CASE_9_a_deadline_of_an_ended_case_lapses_instead_of_turning_overdue(world, bodies) -> None:
    case = (await world.file(filed_on=(today() - timedelta(days=100)).isoformat(), roles=("platform",))).json()
    assert case["deadlines"][0]["status"] == "overdue"
    withdrawn = (await world.act(case["id"], "withdrawal", bodies["withdrawal"])).json()
    assert withdrawn["status"] == "withdrawn" and withdrawn["deadlines"][0]["status"] == "lapsed"


@pytest.mark.unit
def test_CASE_9_uncountable_days_are_none_not_an_error() -> None:
    policy = rules.DeadlinePolicy(90, "calendar", 7, "working")
    assert rules.service_due(date(2099, 6, 1), policy) is None
    assert rules.decision_due(date(2099, 6, 1), policy) == date(2099, 8, 30), "calendar days need no holiday list"
    assert rules.deadline_status(None, None, date(2099, 6, 2)) == "awaiting_calendar"
    assert rules.deadline_status(None, date(2099, 6, 2), date(2099, 6, 3)) == "met"


async def test_CASE_9_overdue_deadline_is_emitted_exactly_once(world, app) -> None:
    from case_service.cases.deadlines import scanner

    await world.file(filed_on=(today() - timedelta(days=95)).isoformat(), roles=("platform",))
    await world.file(filed_on=(today() - timedelta(days=10)).isoformat())
    scan = scanner(60)
    emitted = await asyncio.gather(*(scan.scan_once(app.state.sessions) for _ in range(3)))
    assert sum(emitted) == 1
    assert await scan.scan_once(app.state.sessions) == 0
    async with app.state.sessions() as session:
        payloads = (
            (await session.execute(text("SELECT payload FROM outbox WHERE event_type = 'case.deadline_overdue'")))
            .scalars()
            .all()
        )
    assert (
        len(payloads) == 1 and payloads[0]["data"]["kind"] == "decision" and payloads[0]["data"]["basis"] == ["CASE-9"]
    )


# --- numbering -----------------------------------------------------------------------------------


async def test_case_numbers_are_unique_and_gapless_under_concurrency(world) -> None:
    results = await asyncio.gather(
        *(world.file(handlers=("甲", "乙")) for _ in range(25)),
        world.file(handlers=("甲", "无证"), expect=422),
        *(world.file(handlers=("甲", "乙")) for _ in range(5)),
    )
    numbers = sorted(int(r.json()["case_no"].split("〕")[1].rstrip("号")) for r in results if r.status_code == 201)
    assert numbers == list(range(1, 31)), "a refused filing takes no number"
    year = today().year
    assert all(r.json()["case_no"].startswith(f"城关〔{year}〕") for r in results if r.status_code == 201)
    other_unit = (await world.file(unit="T2", handlers=("丁", "戊"))).json()
    assert other_unit["case_no"] == f"西关〔{year}〕1号", "numbers are per unit"


# --- CASE-2 lifecycle, exhaustively ---------------------------------------------------------------

PATHS: dict[str, list[str]] = {
    "filed": [],
    "investigating": ["investigation"],
    "reviewing": ["investigation", "legal-review"],
    "decided": ["investigation", "decision"],
    "served": ["investigation", "decision", "service"],
    "executed": ["investigation", "decision", "service", "execution"],
    "closed": ["investigation", "decision", "service", "execution", "closure"],
    "archived": ["investigation", "decision", "service", "execution", "closure", "archive"],
    "transferred": ["investigation", "transfer"],
    "withdrawn": ["withdrawal"],
}


async def test_CASE_2_every_action_from_every_status_is_performed_or_refused_with_409(world, bodies) -> None:
    for status, path in PATHS.items():
        for action in rules.ACTIONS:
            case = (await world.file()).json()
            for step in path:
                assert (await world.act(case["id"], step, bodies[step])).status_code == 200, (status, step)
            response = await world.act(case["id"], action, bodies[action])
            expected = rules.next_status(action, status, "penalty")
            if expected is None:
                assert response.status_code == 409, (status, action, response.text)
                body = response.json()
                assert body["code"] == "case.invalid_transition"
                assert body["allowed_actions"] == rules.allowed_actions(status, "penalty")
            else:
                assert response.status_code == 200, (status, action, response.text)
                assert response.json()["status"] == expected


async def test_CASE_2_dates_must_follow_the_stages(world) -> None:
    case = (await world.file()).json()
    await world.act(case["id"], "investigation")
    early = await world.act(
        case["id"],
        "decision",
        {"decision_type": "罚款", "decided_on": (today() - timedelta(days=400)).isoformat(), "legal_basis": "x"},
    )
    assert early.status_code == 422 and early.json()["code"] == "case.date_out_of_order"


# --- CASE-4 legal review ---------------------------------------------------------------------------


async def test_CASE_4_major_decision_needs_an_approved_legal_review(world, bodies) -> None:
    case = (await world.file(is_major=True)).json()
    await world.act(case["id"], "investigation")
    refused = await world.act(case["id"], "decision", bodies["decision"])
    assert (
        refused.status_code == 422
        and refused.json()["basis"] == ["CASE-4"]
        and refused.json()["code"] == "case.legal_review_required"
    )
    returned = await world.act(case["id"], "legal-review", {"opinion": "returned"})
    assert returned.json()["status"] == "investigating"
    assert (await world.act(case["id"], "decision", bodies["decision"])).status_code == 422
    await world.act(case["id"], "legal-review", {"opinion": "approved"})
    assert (await world.act(case["id"], "decision", bodies["decision"])).json()["status"] == "decided"
    by_officer = await world.act(case["id"], "legal-review", {"opinion": "approved"}, roles=("officer",))
    assert by_officer.status_code == 403 and by_officer.json()["basis"] == ["CASE-4"], "legal review is legal affairs'"
    ordinary = (await world.file(is_major=False)).json()
    await world.act(ordinary["id"], "investigation")
    assert (await world.act(ordinary["id"], "decision", bodies["decision"])).status_code == 200


# --- CASE-5 timeline ---------------------------------------------------------------------------------


async def test_CASE_5_timeline_records_every_change_with_actor_and_time(world, client, bodies) -> None:
    case = (await world.file()).json()
    for step in ("investigation", "decision"):
        await world.act(case["id"], step, bodies[step])
    await world.act(case["id"], "archive", bodies["archive"])  # refused: not recorded as a change
    timeline = (await client.get(f"{CASES}/{case['id']}/timeline", headers=world.as_officer("T1"))).json()["items"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in timeline] == [
        ("filing", None, "filed"),
        ("investigation", "filed", "investigating"),
        ("decision", "investigating", "decided"),
    ]
    assert all(e["actor"] and e["at"] for e in timeline)
    assert timeline[2]["details"]["fine_amount"] == "5000.00"
    foreign = await client.get(f"{CASES}/{case['id']}/timeline", headers=world.as_officer("T2"))
    assert foreign.status_code == 404


# --- CASE-6 transfer ---------------------------------------------------------------------------------


async def test_CASE_6_transfer_to_police_before_a_decision_only(world, bodies) -> None:
    case = (await world.file()).json()
    await world.act(case["id"], "investigation")
    transferred = (await world.act(case["id"], "transfer", bodies["transfer"])).json()
    assert (
        transferred["status"] == "transferred"
        and transferred["transferred_to"] == "police"
        and transferred["end_reason"] == "涉嫌犯罪"
    )
    decided = (await world.file()).json()
    await world.act(decided["id"], "investigation")
    await world.act(decided["id"], "decision", bodies["decision"])
    refused = await world.act(decided["id"], "transfer", bodies["transfer"])
    assert refused.status_code == 409 and "transfer" not in refused.json()["allowed_actions"]


# --- CASE-7 fines, confiscations, hearings ---------------------------------------------------------------


async def test_CASE_7_money_as_decimal_strings_and_hearings_recorded(world, bodies) -> None:
    case = (await world.file()).json()
    await world.act(case["id"], "investigation")
    heard = (await world.act(case["id"], "hearing", {"held_on": today().isoformat()})).json()
    assert heard["hearing_held_on"] == today().isoformat() and heard["status"] == "investigating"
    decided = (await world.act(case["id"], "decision", bodies["decision"])).json()
    assert decided["fine_amount"] == "5000.00" and decided["confiscation_amount"] == "1200.50"
    bad = (await world.file()).json()
    await world.act(bad["id"], "investigation")
    for amount in ("-1", "12.345", "abc"):
        refused = await world.act(bad["id"], "decision", {**bodies["decision"], "fine_amount": amount})
        assert refused.status_code == 422, amount


# --- CASE-8 legal remedies -------------------------------------------------------------------------------


async def test_CASE_8_remedies_and_their_results_are_recorded(world, client, app, bodies) -> None:
    case = (await world.file()).json()
    for step in ("investigation", "decision"):  # a remedy challenges a decision (CASE-8)
        assert (await world.act(case["id"], step, bodies[step])).status_code == 200
    legal = world.as_officer("T1", "legal_affairs")
    created = await client.post(
        f"{CASES}/{case['id']}/legal-remedies",
        json={"kind": "reconsideration", "filed_on": today().isoformat()},
        headers=legal,
    )
    assert created.status_code == 201 and created.json()["status"] == "pending"
    remedy = created.json()
    incomplete = await client.patch(
        f"{CASES}/{case['id']}/legal-remedies/{remedy['id']}",
        json={"status": "concluded"},
        headers={**legal, "If-Match": '"1"'},
    )
    assert incomplete.status_code == 422 and incomplete.json()["basis"] == ["CASE-8"]
    concluded = await client.patch(
        f"{CASES}/{case['id']}/legal-remedies/{remedy['id']}",
        json={"status": "concluded", "result": "revoked", "concluded_on": today().isoformat()},
        headers={**legal, "If-Match": '"1"'},
    )
    assert (
        concluded.status_code == 200 and concluded.json()["result"] == "revoked" and concluded.headers["etag"] == '"2"'
    )
    officer_only = await client.post(
        f"{CASES}/{case['id']}/legal-remedies",
        json={"kind": "litigation", "filed_on": today().isoformat()},
        headers=world.as_officer("T1"),
    )
    assert officer_only.status_code == 403
    async with app.state.sessions() as session:
        events = (
            (
                await session.execute(
                    text("SELECT payload FROM outbox WHERE event_type = 'case.legal_remedy_recorded' ORDER BY id")
                )
            )
            .scalars()
            .all()
        )
    assert [(e["data"]["status"], e["data"].get("result")) for e in events] == [
        ("pending", None),
        ("concluded", "revoked"),
    ]
    assert events[0]["data"]["lead_handler_id"] == world.officers["甲"]


# --- scope ---------------------------------------------------------------------------------------------------


async def test_sibling_townships_cannot_see_or_act_on_each_others_cases(world, client, bodies, as_headers) -> None:
    mine = (await world.file(unit="T1")).json()
    theirs = (await world.file(unit="T2", handlers=("丁", "戊"))).json()
    t1 = world.as_officer("T1")
    assert [c["id"] for c in (await client.get(CASES, headers=t1)).json()["items"]] == [mine["id"]]
    assert (await client.get(f"{CASES}/{theirs['id']}", headers=t1)).status_code == 404
    assert (await world.act(theirs["id"], "investigation", unit="T1")).status_code == 404
    bureau = as_headers("justice_bureau", unit=world.units["XC"])
    assert {c["id"] for c in (await client.get(CASES, headers=bureau)).json()["items"]} == {mine["id"], theirs["id"]}
    leader = as_headers("unit_leader", unit=world.units["XC"])
    assert {c["id"] for c in (await client.get(CASES, headers=leader)).json()["items"]} == {mine["id"], theirs["id"]}
    cross = await world.file(unit="T2", handlers=("丁", "戊"), expect=201)
    assert cross.status_code == 201
    foreign_unit = await client.post(
        CASES,
        json={
            "unit_id": world.units["T2"],
            "category": "license",
            "title": "x",
            "party": {"name": "p", "kind": "person"},
            "lead_handler_id": world.officers["丁"],
        },
        headers=t1,
    )
    assert foreign_unit.status_code == 404


async def test_party_id_numbers_are_masked_for_roles_without_need(world, client, as_headers) -> None:
    case = (await world.file()).json()
    assert case["party"]["id_number"] == "9114**********0000"
    full = await client.get(f"{CASES}/{case['id']}", headers=as_headers("unit_leader", unit=world.units["T1"]))
    assert full.json()["party"]["id_number"] == "91141000MA0K000000"


async def test_list_filters(world, client, bodies) -> None:
    a = (await world.file(category="license", handlers=("甲",), title="许可甲")).json()
    b = (await world.file(category="penalty", handlers=("乙", "丙"))).json()
    await world.act(b["id"], "investigation")
    t1 = world.as_officer("T1")
    assert [c["id"] for c in (await client.get(CASES, params={"category": "license"}, headers=t1)).json()["items"]] == [
        a["id"]
    ]
    assert [
        c["id"] for c in (await client.get(CASES, params={"status": "investigating"}, headers=t1)).json()["items"]
    ] == [b["id"]]
    assert [
        c["id"]
        for c in (await client.get(CASES, params={"handler_id": world.officers["丙"]}, headers=t1)).json()["items"]
    ] == [b["id"]]
    assert [c["id"] for c in (await client.get(CASES, params={"q": "许可甲"}, headers=t1)).json()["items"]] == [a["id"]]
    assert (
        await client.get(CASES, params={"filed_from": "2026-12-01", "filed_to": "2026-01-01"}, headers=t1)
    ).status_code == 422


# --- events -----------------------------------------------------------------------------------------------------


async def test_every_emitted_event_validates_against_its_schema(world, client, app, bodies) -> None:
    case = (await world.file()).json()
    for step in ("investigation", "legal-review", "hearing", "decision", "service", "execution", "closure", "archive"):
        assert (await world.act(case["id"], step, bodies[step])).status_code == 200
    other = (await world.file()).json()
    await world.act(other["id"], "transfer", bodies["transfer"])
    await client.post(
        f"{CASES}/{case['id']}/legal-remedies",
        json={"kind": "litigation", "filed_on": today().isoformat()},
        headers=world.as_officer("T1", "legal_affairs"),
    )
    await client.post(
        "/api/v1/trainings",
        json={
            "kind": "held",
            "title": "执法培训",
            "content": "行政处罚法",
            "organizer_unit_id": world.units["T1"],
            "start_date": today().isoformat(),
            "end_date": today().isoformat(),
            "hours": "4",
            "attendee_ids": [world.officers["甲"]],
        },
        headers=world.as_officer("T1", "unit_leader"),
    )
    async with app.state.sessions() as session:
        payloads = (await session.execute(text("SELECT payload FROM outbox ORDER BY id"))).scalars().all()
    types = {p["type"] for p in payloads}
    assert {
        "unit.created",
        "officer.registered",
        "officer.qualification_changed",
        "training.recorded",
        "case.filed",
        "case.stage_changed",
        "case.decided",
        "case.closed",
        "case.archived",
        "case.transferred",
        "case.legal_remedy_recorded",
    } - {"officer.qualification_changed"} <= types
    for payload in payloads:
        jsonschema.validate(
            payload, event_schema(event_model_for(payload["type"])), format_checker=jsonschema.FormatChecker()
        )
    closed = next(p for p in payloads if p["type"] == "case.closed")["data"]
    assert (
        closed["fine_amount"] == "5000.00"
        and closed["hearing_held"] is True
        and closed["handler_ids"][0] == world.officers["甲"]
    )


async def test_CASE_2_closure_straight_from_investigation_only_for_inspections(world, bodies) -> None:
    penalty = (await world.file()).json()
    await world.act(penalty["id"], "investigation")
    refused = await world.act(penalty["id"], "closure", bodies["closure"])
    assert refused.status_code == 409 and "closure" not in refused.json()["allowed_actions"]
    inspection = (await world.file(category="inspection", handlers=("甲",))).json()
    investigating = (await world.act(inspection["id"], "investigation")).json()
    assert "closure" in investigating["allowed_actions"]
    assert (await world.act(inspection["id"], "closure", bodies["closure"])).json()["status"] == "closed"


async def test_actions_by_an_officer_need_to_be_a_handler_and_dates_cannot_be_in_the_future(
    world, client, jwt_secret
) -> None:

    case = (await world.file()).json()

    def officer(officer_id: str) -> dict[str, str]:
        token = mint_token(roles=["officer"], unit_id=world.units["T1"], officer_id=officer_id, secret=jwt_secret)
        return {"Authorization": f"Bearer {token}"}

    stranger = await client.post(f"{CASES}/{case['id']}/investigation", json={}, headers=officer(world.officers["丙"]))
    assert stranger.status_code == 403 and stranger.json()["code"] == "case.not_a_handler"
    handler = await client.post(f"{CASES}/{case['id']}/investigation", json={}, headers=officer(world.officers["甲"]))
    assert handler.status_code == 200
    future = await client.post(
        f"{CASES}/{case['id']}/hearing",
        json={"held_on": (today() + timedelta(days=3)).isoformat()},
        headers=officer(world.officers["甲"]),
    )
    assert future.status_code == 422 and future.json()["code"] == "case.date_in_future"


async def test_handlers_outside_the_callers_scope_read_as_unknown(world) -> None:
    refused = await world.file(unit="T1", handlers=("甲", "丁"), expect=422)  # 丁 is in the sibling township
    assert refused.json()["code"] == "case.unknown_handler" and "丁" not in refused.text


async def test_units_with_the_same_short_name_number_their_cases_independently(world, client, as_headers) -> None:
    twin = await world.unit("T3", "township", "XC", short_name="城关")  # same short name as T1
    await world.officer("己", "T3")
    await world.officer("庚", "T3")
    first = (await world.file(unit="T1")).json()
    second = (await world.file(unit="T3", handlers=("己", "庚"))).json()
    assert first["case_no"] == second["case_no"] and first["unit_id"] != second["unit_id"] == twin


async def test_explicit_nulls_and_unknown_references_are_4xx_not_500(world, client, as_headers) -> None:
    admin = as_headers("admin")
    unit = await client.patch(
        f"/api/v1/units/{world.units['T1']}", json={"name": None}, headers={**admin, "If-Match": '"1"'}
    )
    assert unit.status_code == 422
    officer = await client.patch(
        f"/api/v1/officers/{world.officers['甲']}", json={"staff_type": None}, headers={**admin, "If-Match": '"1"'}
    )
    assert officer.status_code == 422
    training = {
        "kind": "held",
        "title": "t",
        "content": "c",
        "organizer_unit_id": str(uuid.uuid4()),
        "start_date": "2026-03-01",
        "end_date": "2026-03-01",
        "hours": "2",
        "attendee_ids": [],
    }
    assert (await client.post("/api/v1/trainings", json=training, headers=admin)).status_code == 404


async def test_CASE_3_a_handler_suspended_after_filing_no_longer_acts_on_the_case(
    world, client, jwt_secret, as_headers
) -> None:
    case = (await world.file(handlers=("甲", "乙"))).json()
    licence = (await world.file(category="license", handlers=("甲", "乙"))).json()

    def officer(name: str) -> dict[str, str]:
        token = mint_token(
            roles=["officer"], unit_id=world.units["T1"], officer_id=world.officers[name], secret=jwt_secret
        )
        return {"Authorization": f"Bearer {token}"}

    bureau = as_headers("justice_bureau", unit=world.units["XC"])
    suspended = await client.post(
        f"/api/v1/officers/{world.officers['甲']}/qualification",
        json={"action": "suspend", "reason": "年度评查不合格三件", "basis": ["REV-8"]},
        headers=bureau,
    )
    assert suspended.status_code == 200, suspended.text
    refused = await client.post(f"{CASES}/{case['id']}/investigation", json={}, headers=officer("甲"))
    assert refused.status_code == 422 and refused.json()["code"] == "case.handler_not_qualified"
    assert refused.json()["basis"] == ["CASE-3"]
    # Issue 11 item 3 changed this: the penalty needs two handlers qualified on the action's
    # date (CASE-3, CASE-9), so the other handler alone no longer goes on; on a licence
    # (one handler required) the other, certified handler goes on.
    short = await client.post(f"{CASES}/{case['id']}/investigation", json={}, headers=officer("乙"))
    assert short.status_code == 422 and short.json()["code"] == "case.handlers_not_qualified_on_date"
    allowed = await client.post(f"{CASES}/{licence['id']}/investigation", json={}, headers=officer("乙"))
    assert allowed.status_code == 200, "the other, certified handler goes on"
