"""CASE-9 deadlines through the public API (real PostgreSQL, the outbox as Kafka's source):
a breach stays visible after it is cured (met_late, days_late, queryable by deadline_status),
case.deadline_overdue is written once per deadline whatever the scanner's timing, service
periods per category as policy values, and approved extensions of the decision period with
their history (行政处罚法 第六十、六十一条; 行政许可法 第四十四条)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

from sqlalchemy import event

from case_service.cases import rules
from case_service.cases.deadlines import scanner
from enforcement_common.calendar import today
from enforcement_common.testing.outbox import assert_outbox_matches_schemas, outbox_events

CASES = "/api/v1/cases"


def by_kind(case: dict) -> dict[str, dict]:
    return {d["kind"]: d for d in case["deadlines"]}


def days_ago(n: int) -> str:
    return (today() - timedelta(days=n)).isoformat()


async def decide(world, case_id: str, on: date, unit: str = "T1", decision_type: str = "警告") -> dict:
    started = await world.act(case_id, "investigation", unit=unit)
    assert started.status_code == 200, started.text
    category = (await world.client.get(f"/api/v1/cases/{case_id}", headers=world.as_officer(unit))).json()["category"]
    body = {
        "decision_type": decision_type,
        "decided_on": on.isoformat(),
        "legal_basis": "《某条例》第十条",
        # STAT-7: a penalty decision names its kinds (行政处罚法 第九条); other categories none.
        "penalty_kinds": ["warning"] if category == "penalty" else [],
    }
    decided = await world.act(case_id, "decision", body, unit=unit)
    assert decided.status_code == 200, decided.text
    return decided.json()


async def events_of(app, event_type: str) -> list[dict]:
    return [e["payload"]["data"] for e in await outbox_events(app) if e["event_type"] == event_type]


async def platform_version(client, as_headers, effective_from: str) -> str:
    listed = await client.get("/api/v1/policies", params={"platform": "true"}, headers=as_headers("admin"))
    return {p["effective_from"]: p["id"] for p in listed.json()["items"]}[effective_from]


# --- item 1: a breach stays visible -------------------------------------------------------------


async def test_case_9_late_decision_reads_met_late_with_days_late(world, client) -> None:
    late = (await world.file(filed_on=days_ago(100), roles=("platform",))).json()
    decided = await decide(world, late["id"], today())
    decision = by_kind(decided)["decision"]
    assert decision["status"] == "met_late" and decision["met_on"] == today().isoformat()
    assert decision["days_late"] == 10 and decision["due_on"] == days_ago(10)
    # It stays met_late once the case has ended: the breach does not lapse.
    for action, body in (
        ("service", {"served_on": today().isoformat(), "method": "direct"}),
        ("closure", {"closed_on": today().isoformat()}),
    ):
        assert (await world.act(late["id"], action, body)).status_code == 200
    read = (await client.get(f"{CASES}/{late['id']}", headers=world.as_officer("T1"))).json()
    assert read["status"] == "closed" and by_kind(read)["decision"]["status"] == "met_late"
    assert by_kind(read)["decision"]["days_late"] == 10, "fixed at the day it was met"

    # Allowed path: decided on time reads met, without days_late.
    timely = (await world.file(filed_on=days_ago(30))).json()
    decision = by_kind(await decide(world, timely["id"], today()))["decision"]
    assert decision["status"] == "met" and decision["days_late"] is None


async def test_case_9_late_service_reads_met_late_with_days_late(world) -> None:
    decided_on = today() - timedelta(days=20)
    case = (await world.file(filed_on=days_ago(30))).json()
    service = by_kind(await decide(world, case["id"], decided_on))["service"]
    due = rules.service_due(decided_on, rules.DEFAULT_DEADLINES["penalty"])
    assert service["due_on"] == due.isoformat() and service["status"] == "overdue"
    assert service["days_late"] == (today() - due).days
    served = await world.act(case["id"], "service", {"served_on": today().isoformat(), "method": "mail"})
    service = by_kind(served.json())["service"]
    assert service["status"] == "met_late" and service["days_late"] == (today() - due).days > 0
    # On time: met.
    other = (await world.file(filed_on=days_ago(30))).json()
    await decide(world, other["id"], decided_on)
    served = await world.act(other["id"], "service", {"served_on": decided_on.isoformat(), "method": "direct"})
    assert by_kind(served.json())["service"]["status"] == "met"


async def test_case_9_cases_filtered_by_deadline_status_overdue_met_late_and_the_others(
    world, client, as_headers
) -> None:
    overdue = (await world.file(filed_on=days_ago(100), roles=("platform",))).json()
    met_late = (await world.file(filed_on=days_ago(100), roles=("platform",))).json()
    await decide(world, met_late["id"], today())
    met = (await world.file()).json()
    await decide(world, met["id"], today())  # decision met; its service deadline open
    opened = (await world.file()).json()
    lapsed = (await world.file(filed_on=days_ago(100), roles=("platform",))).json()
    assert (await world.act(lapsed["id"], "withdrawal", {"reason": "立案错误"})).status_code == 200
    # awaiting_calendar: T2's own period runs past any published holiday calendar.
    policy = await client.post(
        "/api/v1/policies",
        json={
            "issuer_unit_id": world.units["T2"],
            "effective_from": today().isoformat(),
            "values": {"deadlines": {"penalty": {"decision_days": 90, "service_days": 2000}}},
            "source": {"title": "西关镇办案期限规定（测试）"},
        },
        headers=as_headers("justice_bureau", unit=world.units["T2"]),
    )
    assert policy.status_code == 201, policy.text
    awaiting = (await world.file(unit="T2", handlers=("丁", "戊"))).json()
    await decide(world, awaiting["id"], today(), unit="T2")

    county = world.as_officer("XC", "unit_leader")
    everything = (await client.get(CASES, params={"limit": 500}, headers=county)).json()["items"]
    expected = {
        status: {c["id"] for c in everything if any(d["status"] == status for d in c["deadlines"])}
        for status in rules.DEADLINE_STATUSES
    }
    for status in rules.DEADLINE_STATUSES:
        response = await client.get(CASES, params={"deadline_status": status, "limit": 500}, headers=county)
        assert response.status_code == 200, response.text
        found = {c["id"] for c in response.json()["items"]}
        assert found == expected[status], status  # the SQL filter reads as the cases do
        assert found, f"no case with a {status} deadline in this world"
    ids = {
        "overdue": overdue["id"],
        "met_late": met_late["id"],
        "met": met["id"],
        "open": opened["id"],
        "lapsed": lapsed["id"],
        "awaiting_calendar": awaiting["id"],
    }
    assert all(case_id in expected[status] for status, case_id in ids.items())
    assert met_late["id"] not in expected["overdue"] and met_late["id"] not in expected["met"]

    # Within the caller's scope, and composable with the other filters.
    sibling = await client.get(CASES, params={"deadline_status": "met_late"}, headers=world.as_officer("T2"))
    assert sibling.status_code == 200 and sibling.json()["items"] == []
    closed = await client.get(CASES, params={"deadline_status": "overdue", "status": "filed"}, headers=county)
    assert overdue["id"] in {c["id"] for c in closed.json()["items"]}
    assert all(c["status"] == "filed" for c in closed.json()["items"])
    refused = await client.get(CASES, params={"deadline_status": "late"}, headers=county)
    assert refused.status_code == 422


async def test_case_9_deadline_status_filter_costs_the_same_queries_for_2_or_12_cases(world, client, app) -> None:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    async def page_cost(limit: int) -> int:
        statements.clear()
        event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
        try:
            response = await client.get(
                CASES, params={"limit": limit, "deadline_status": "overdue"}, headers=world.as_officer("T1")
            )
        finally:
            event.remove(app.state.engine.sync_engine, "before_cursor_execute", count)
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == limit
        return len(statements)

    for _ in range(12):
        await world.file(filed_on=days_ago(100), roles=("platform",))
    for _ in range(3):
        await world.file()  # open: filtered out
    assert await page_cost(2) == await page_cost(12)


async def test_case_9_overdue_event_once_even_when_cured_before_scan(world, app) -> None:
    scan = scanner(60)
    # Cured before the scanner ever ran: the decision writes the overdue event itself.
    cured = (await world.file(filed_on=days_ago(100), roles=("platform",))).json()
    await decide(world, cured["id"], today())
    overdue = await events_of(app, "case.deadline_overdue")
    assert [(e["case_id"], e["kind"], e["due_on"], e["basis"]) for e in overdue] == [
        (cured["id"], "decision", days_ago(10), ["CASE-9"])
    ]
    assert await scan.scan_once(app.state.sessions) == 0
    # Scanned first, cured later: still one.
    scanned = (await world.file(filed_on=days_ago(100), roles=("platform",))).json()
    assert await scan.scan_once(app.state.sessions) == 1
    await decide(world, scanned["id"], today())
    # A case that ends past its deadline records the breach as it ends; the scanner adds none.
    ended = (await world.file(filed_on=days_ago(100), roles=("platform",))).json()
    assert (await world.act(ended["id"], "withdrawal", {"reason": "立案错误"})).status_code == 200
    assert await scan.scan_once(app.state.sessions) == 0
    per_case = [e["case_id"] for e in await events_of(app, "case.deadline_overdue")]
    assert sorted(per_case) == sorted([cured["id"], scanned["id"], ended["id"]])
    # Refused path: met on time, or ended before its day — no breach, no event.
    timely = (await world.file(filed_on=days_ago(30))).json()
    await decide(world, timely["id"], today())
    early = (await world.file()).json()
    assert (await world.act(early["id"], "withdrawal", {"reason": "立案错误"})).status_code == 200
    assert len(await events_of(app, "case.deadline_overdue")) == 3
    await assert_outbox_matches_schemas(app)


async def test_case_9_overdue_event_once_when_the_scanner_and_a_late_decision_race(world, app) -> None:
    cases = [(await world.file(filed_on=days_ago(100), roles=("platform",))).json() for _ in range(6)]
    for case in cases:
        assert (await world.act(case["id"], "investigation")).status_code == 200
    body = {
        "decision_type": "警告",
        "decided_on": today().isoformat(),
        "legal_basis": "x",
        "penalty_kinds": ["warning"],
    }
    scan = scanner(60)
    results = await asyncio.gather(
        scan.scan_once(app.state.sessions),
        *(world.act(case["id"], "decision", body) for case in cases),
        scan.scan_once(app.state.sessions),
    )
    assert all(r.status_code == 200 for r in results[1:-1])
    per_case = [e["case_id"] for e in await events_of(app, "case.deadline_overdue")]
    assert sorted(per_case) == sorted(case["id"] for case in cases), "exactly one per deadline"


# --- item 2: service periods per category, extensions -------------------------------------------


async def test_case_9_licence_service_10_working_days(world, client, as_headers) -> None:
    current = await platform_version(client, as_headers, "2026-12-01")
    licence = (await world.file(category="license", handlers=("甲",))).json()
    service = by_kind(await decide(world, licence["id"], today(), decision_type="准予许可"))["service"]
    expected = rules.service_due(today(), rules.DeadlinePolicy(None, "calendar", 10, "working"))
    assert service["due_on"] == (expected.isoformat() if expected else None)
    assert service["policy_id"] == current and service["basis"] == ["CASE-9"]
    # A penalty decided the same day: 7 working days (行政处罚法 第六十一条), earlier.
    penalty = (await world.file()).json()
    penalty_service = by_kind(await decide(world, penalty["id"], today()))["service"]
    expected_penalty = rules.service_due(today(), rules.DeadlinePolicy(90, "calendar", 7, "working"))
    assert penalty_service["due_on"] == (expected_penalty.isoformat() if expected_penalty else None)
    if expected and expected_penalty:
        assert expected_penalty < expected


async def test_case_9_categories_without_statutory_period_have_no_service_deadline(world, client, as_headers) -> None:
    for category, handlers in (
        ("coercion", ("甲", "乙")),
        ("inspection", ("甲",)),
        ("levy", ("甲",)),
        ("requisition", ("甲",)),
    ):
        case = (await world.file(category=category, handlers=handlers)).json()
        decided = await decide(world, case["id"], today(), decision_type="决定")
        assert decided["deadlines"] == [], category
    # A unit may set one by policy where no statute does (a policy value, CASE-9).
    policy = await client.post(
        "/api/v1/policies",
        json={
            "issuer_unit_id": world.units["XC"],
            "effective_from": today().isoformat(),
            "values": {"deadlines": {"levy": {"service_days": 5}}},
            "source": {"title": "某县征收决定送达规定（测试）"},
        },
        headers=as_headers("justice_bureau", unit=world.units["XC"]),
    )
    assert policy.status_code == 201, policy.text
    levy = (await world.file(category="levy", handlers=("甲",))).json()
    service = by_kind(await decide(world, levy["id"], today(), decision_type="征收"))["service"]
    assert service["policy_id"] == policy.json()["id"] and service["basis"] == ["CASE-9"]
    expected = rules.service_due(today(), rules.DeadlinePolicy(None, "calendar", 5, "working"))
    assert service["due_on"] == (expected.isoformat() if expected else None)


def extension(**changes) -> dict:
    return {
        "kind": "decision",
        "new_due_on": (today() + timedelta(days=40)).isoformat(),
        "approved_on": today().isoformat(),
        "reason": "案情复杂，经负责人批准延长办案期限",
        **changes,
    }


async def test_case_9_decision_deadline_extension_keeps_original_due_on(world, client, app) -> None:
    leader = world.as_officer("T1", "unit_leader")
    case = (await world.file(filed_on=days_ago(80), roles=("platform",))).json()
    original = (today() + timedelta(days=10)).isoformat()
    assert by_kind(case)["decision"]["due_on"] == original
    approver = world.officers["丙"]
    first = await client.post(
        f"{CASES}/{case['id']}/deadline-extensions",
        json=extension(approved_by=approver),
        headers={**leader, "Idempotency-Key": "ext-1", "If-Match": f'"{case["version"]}"'},
    )
    assert first.status_code == 201, first.text
    assert first.json()["previous_due_on"] == original and first.json()["approved_by"] == approver
    replay = await client.post(
        f"{CASES}/{case['id']}/deadline-extensions",
        json=extension(approved_by=approver),
        headers={**leader, "Idempotency-Key": "ext-1", "If-Match": f'"{case["version"]}"'},
    )
    assert replay.status_code == 201 and replay.json()["id"] == first.json()["id"], "idempotent POST"
    stale = await client.post(
        f"{CASES}/{case['id']}/deadline-extensions",
        json=extension(approved_by=approver, new_due_on=(today() + timedelta(days=50)).isoformat()),
        headers={**leader, "If-Match": f'"{case["version"]}"'},
    )
    assert stale.status_code == 412, "the extension made the case a new version"
    second = await client.post(
        f"{CASES}/{case['id']}/deadline-extensions",
        json=extension(approved_by=approver, new_due_on=(today() + timedelta(days=50)).isoformat()),
        headers=leader,
    )
    assert second.status_code == 201, second.text
    assert second.json()["previous_due_on"] == (today() + timedelta(days=40)).isoformat()

    read = (await client.get(f"{CASES}/{case['id']}", headers=world.as_officer("T1"))).json()
    decision = by_kind(read)["decision"]
    assert decision["due_on"] == (today() + timedelta(days=50)).isoformat()
    assert decision["original_due_on"] == original and decision["status"] == "open"
    assert [e["id"] for e in decision["extensions"]] == [first.json()["id"], second.json()["id"]]
    listed = await client.get(f"{CASES}/{case['id']}/deadline-extensions", headers=world.as_officer("T1"))
    assert listed.status_code == 200 and listed.json()["items"] == decision["extensions"]
    extended = await events_of(app, "case.deadline_extended")
    assert [(e["previous_due_on"], e["due_on"], e["original_due_on"]) for e in extended] == [
        (original, (today() + timedelta(days=40)).isoformat(), original),
        ((today() + timedelta(days=40)).isoformat(), (today() + timedelta(days=50)).isoformat(), original),
    ]
    timeline = (await client.get(f"{CASES}/{case['id']}/timeline", headers=world.as_officer("T1"))).json()
    assert [e["action"] for e in timeline["items"]].count("deadline-extension") == 2
    await assert_outbox_matches_schemas(app)
    # A case never extended shows its statutory day as the original.
    plain = (await world.file()).json()
    assert by_kind(plain)["decision"]["original_due_on"] == by_kind(plain)["decision"]["due_on"]
    assert by_kind(plain)["decision"]["extensions"] == []


async def test_case_9_decision_within_an_extension_approved_in_time_is_met(world, client, app) -> None:
    """Approved on the original last day (recorded later): a decision after the original day but
    within the extended one is met, and no breach is recorded."""
    case = (await world.file(filed_on=days_ago(95), roles=("platform",))).json()
    approved = await client.post(
        f"{CASES}/{case['id']}/deadline-extensions",
        json=extension(approved_by=world.officers["丙"], approved_on=days_ago(5)),
        headers=world.as_officer("T1", "unit_leader"),
    )
    assert approved.status_code == 201, approved.text
    decision = by_kind(await decide(world, case["id"], today()))["decision"]
    assert decision["status"] == "met" and decision["original_due_on"] == days_ago(5)
    assert await events_of(app, "case.deadline_overdue") == []


async def test_case_9_decision_deadline_extension_refused(world, client, as_headers) -> None:
    leader = world.as_officer("T1", "unit_leader")
    case = (await world.file(filed_on=days_ago(80), roles=("platform",))).json()
    url = f"{CASES}/{case['id']}/deadline-extensions"
    approver = world.officers["丙"]

    async def refused(body: dict, status: int, code: str | None = None, headers: dict | None = None) -> dict:
        response = await client.post(url, json=body, headers=headers or leader)
        assert response.status_code == status, response.text
        if code:
            assert response.json()["code"] == code, response.text
        return response.json()

    # Only the decision period may be extended (第六十条; 第六十一条 has no such clause).
    problem = await refused(extension(approved_by=approver, kind="service"), 422, "case.deadline_not_extendable")
    assert problem["basis"] == ["CASE-9"]
    await refused(extension(approved_by=approver, kind="hearing"), 422)
    await refused(
        extension(approved_by=approver, new_due_on=(today() + timedelta(days=10)).isoformat()),
        422,
        "case.extension_not_later",
    )
    await refused(
        extension(approved_by=approver, approved_on=(today() + timedelta(days=1)).isoformat()),
        422,
        "case.date_in_future",
    )
    await refused(extension(approved_by=approver, approved_on=days_ago(81)), 422, "case.date_out_of_order")
    await refused(extension(approved_by=approver, reason=""), 422)
    # approved_by: an officer in the caller's scope — the sibling's and an unknown id answer alike.
    foreign = await refused(extension(approved_by=world.officers["丁"]), 404)
    unknown = await refused(extension(approved_by=str(uuid.uuid4())), 404)
    per_request = {"instance", "correlation_id"}
    assert {k: v for k, v in foreign.items() if k not in per_request} == {
        k: v for k, v in unknown.items() if k not in per_request
    }
    # The case: out of scope 404; not a handler 403; a role that does not act on cases 403.
    await refused(extension(approved_by=approver), 404, headers=world.as_officer("T2", "unit_leader"))
    await refused(
        extension(approved_by=approver),
        403,
        "case.not_a_handler",
        headers=as_headers("officer", unit=world.units["T1"]),
    )
    await refused(extension(approved_by=approver), 403, headers=world.as_officer("T1", "auditor"))
    # Past its day: an extension approved afterwards would erase the breach.
    overdue = (await world.file(filed_on=days_ago(100), roles=("platform",))).json()
    response = await client.post(
        f"{CASES}/{overdue['id']}/deadline-extensions", json=extension(approved_by=approver), headers=leader
    )
    assert response.status_code == 422 and response.json()["code"] == "case.extension_approved_late"
    # No decision period (licence), or already met: nothing to extend.
    licence = (await world.file(category="license", handlers=("甲",))).json()
    response = await client.post(
        f"{CASES}/{licence['id']}/deadline-extensions", json=extension(approved_by=approver), headers=leader
    )
    assert response.status_code == 422 and response.json()["code"] == "case.deadline_not_extendable"
    decided = (await world.file(filed_on=days_ago(10))).json()
    await decide(world, decided["id"], today())
    response = await client.post(
        f"{CASES}/{decided['id']}/deadline-extensions", json=extension(approved_by=approver), headers=leader
    )
    assert response.status_code == 422 and response.json()["code"] == "case.deadline_not_extendable"
    # Nothing was recorded by any refusal; the allowed call still succeeds.
    listed = await client.get(f"{url}", headers=leader)
    assert listed.json()["items"] == []
    assert (await client.post(url, json=extension(approved_by=approver), headers=leader)).status_code == 201
    assert (await client.get(f"{CASES}/{uuid.uuid4()}/deadline-extensions", headers=leader)).status_code == 404
