"""Issue 11 through the public API on the real PostgreSQL: CASE-3 at every step that decides
or acts toward the party and at a back-dated filing, CASE-8 remedies judged by the decision
and by today, the statistics facts (STAT-7 penalty kinds and counts, STAT-8 unit duties), and
trainings that name only officers of the caller's scope."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from enforcement_common.calendar import today

CASES = "/api/v1/cases"


def _day(offset: int = 0) -> str:
    return (today() + timedelta(days=offset)).isoformat()


def _decision(on: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "decision_type": "罚款",
        "penalty_kinds": ["fine"],
        "fine_amount": "200",
        "decided_on": on or _day(),
        "legal_basis": "《某条例》第十条",
        **extra,
    }


async def _qualify(client, world, officer: str, action: str, on: str | None = None) -> None:
    body: dict[str, Any] = {"action": action, "reason": "调查中", "basis": ["ERR-11"]}
    if on:
        body["effective_on"] = on
    response = await client.post(
        f"/api/v1/officers/{world.officers[officer]}/qualification",
        json=body,
        headers=world.as_officer("XC", "justice_bureau"),
    )
    assert response.status_code == 200, response.text


async def _officer(client, world, name: str, issued_on: str, unit: str = "T1") -> str:
    response = await client.post(
        "/api/v1/officers",
        json={
            "unit_id": world.units[unit],
            "name": name,
            "staff_type": "established",
            "certificate": {"number": f"C-{uuid.uuid4().hex[:8]}", "issued_on": issued_on, "expires_on": _day(700)},
        },
        headers=world.as_officer("XC", "admin"),
    )
    assert response.status_code == 201, response.text
    world.officers[name] = response.json()["id"]
    return response.json()


def _same(problem: dict) -> dict:
    """A problem without what differs per request."""
    return {k: v for k, v in problem.items() if k not in {"instance", "correlation_id"}}


async def _outbox(app, event_type: str) -> list[dict]:
    async with app.state.sessions() as session:
        rows = await session.execute(
            text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY id"), {"t": event_type}
        )
        return list(rows.scalars())


# --- CASE-3: handlers qualified on the date of every step that decides or acts toward the party ----


async def test_case_3_decision_refused_when_both_handlers_were_suspended_after_filing(
    world, client, as_headers
) -> None:
    """The reproduction of issue 11 item 3: both handlers suspended after filing, the unit
    leader's decision went through. Now it is refused, with basis and policy; a decision
    dated before the suspension, or after the handlers' reinstatement, is accepted."""
    case = (await world.file(filed_on=_day(-5))).json()
    assert (await world.act(case["id"], "investigation", {"started_on": _day(-5)})).status_code == 200
    await _qualify(client, world, "甲", "suspend")
    await _qualify(client, world, "乙", "suspend")
    leader = as_headers("unit_leader", unit=world.units["T1"])
    refused = await client.post(f"{CASES}/{case['id']}/decision", json=_decision(), headers=leader)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "case.handlers_not_qualified_on_date"
    assert problem["basis"] == ["CASE-3", "CASE-9"] and uuid.UUID(problem["policy_id"])
    assert set(problem["handlers"]) == {world.officers["甲"], world.officers["乙"]}
    read = (await client.get(f"{CASES}/{case['id']}", headers=leader)).json()
    assert read["status"] == "investigating" and read["decided_on"] is None

    yesterday = await client.post(f"{CASES}/{case['id']}/decision", json=_decision(_day(-1)), headers=leader)
    assert yesterday.status_code == 200, "both handlers held valid certificates on the decision's date"


async def test_case_3_each_acting_step_counts_the_policys_number_of_qualified_handlers(
    world, client, as_headers
) -> None:
    leader = as_headers("unit_leader", unit=world.units["T1"])
    # A licence (one handler required by the default policy) goes on with one of two handlers suspended.
    licence = (await world.file(category="license", handlers=("丙", "乙"))).json()
    penalty = (await world.file(handlers=("甲", "乙"))).json()
    for case in (licence, penalty):
        assert (await world.act(case["id"], "investigation")).status_code == 200
    decided = await client.post(f"{CASES}/{penalty['id']}/decision", json=_decision(), headers=leader)
    assert decided.status_code == 200, decided.text
    await _qualify(client, world, "乙", "suspend")
    licence_decided = await client.post(
        f"{CASES}/{licence['id']}/decision",
        json={"decision_type": "准予许可", "decided_on": _day(), "legal_basis": "《行政许可法》"},
        headers=leader,
    )
    assert licence_decided.status_code == 200, licence_decided.text
    # The penalty (two required) can no longer be served, nor a fresh one investigated.
    service = {"served_on": _day(), "method": "direct"}
    refused = await client.post(f"{CASES}/{penalty['id']}/service", json=service, headers=leader)
    assert refused.status_code == 422 and refused.json()["code"] == "case.handlers_not_qualified_on_date"
    assert refused.json()["handlers"] == [world.officers["乙"]]
    fresh = (await world.file(handlers=("甲", "丙"))).json()
    await _qualify(client, world, "丙", "suspend")
    investigation = await client.post(f"{CASES}/{fresh['id']}/investigation", json={}, headers=leader)
    assert investigation.status_code == 422 and investigation.json()["basis"] == ["CASE-3", "CASE-9"]
    # Reinstated, the handlers act again: service, then execution.
    await _qualify(client, world, "乙", "reinstate")
    assert (await client.post(f"{CASES}/{penalty['id']}/service", json=service, headers=leader)).status_code == 200
    await _qualify(client, world, "甲", "suspend")
    executed = await client.post(f"{CASES}/{penalty['id']}/execution", json={"executed_on": _day()}, headers=leader)
    assert executed.status_code == 422 and executed.json()["code"] == "case.handlers_not_qualified_on_date"
    await _qualify(client, world, "甲", "reinstate")
    executed = await client.post(f"{CASES}/{penalty['id']}/execution", json={"executed_on": _day()}, headers=leader)
    assert executed.status_code == 200, executed.text


async def test_case_3_a_certificate_issued_in_the_future_is_not_valid(world, client) -> None:
    future = await _officer(client, world, "新证", issued_on=_day(10))
    assert future["qualification_status"] == "uncertified"
    refused = await world.file(handlers=("甲", "新证"), expect=422)
    assert refused.json()["code"] == "case.handler_not_qualified" and refused.json()["basis"] == ["CASE-3"]
    issued = await _officer(client, world, "今证", issued_on=_day())
    assert issued["qualification_status"] == "active"
    await world.file(handlers=("甲", "今证"))


async def test_case_3_a_certificate_coming_into_force_is_reported_once_as_active(world, client, app) -> None:
    """Registered before its issue date, the officer reads uncertified; once the date comes a
    scanner reports uncertified → active once, effective on the issue date."""
    from datetime import UTC, datetime

    from case_service.officers.deadlines import issuance_scanner

    officer = await _officer(client, world, "待生效", issued_on=_day(2))
    scan = issuance_scanner(60)
    assert await scan.scan_once(app.state.sessions) == 0, "not in force yet"
    scan.clock = lambda: datetime.now(UTC) + timedelta(days=3)
    assert await scan.scan_once(app.state.sessions) == 1 and await scan.scan_once(app.state.sessions) == 0
    events = [
        e for e in await _outbox(app, "officer.qualification_changed") if e["data"]["officer_id"] == officer["id"]
    ]
    assert [(e["data"]["from"], e["data"]["to"], e["data"]["effective_on"]) for e in events] == [
        ("uncertified", "active", _day(2))
    ]
    assert events[0]["data"]["basis"] == ["CASE-3"]
    registered = [e for e in await _outbox(app, "officer.registered") if e["data"]["officer_id"] == officer["id"]]
    assert registered[0]["data"]["qualification_status"] == "uncertified"


async def test_case_3_handlers_are_checked_as_of_the_filing_date(world, client) -> None:
    """A certificate issued after the filing date, or a suspension in force on it (even one
    lifted since), disqualifies the handler for a filing dated then."""
    await _officer(client, world, "后证", issued_on=_day(-10))
    refused = await world.file(handlers=("甲", "后证"), filed_on=_day(-20), expect=422)
    assert refused.json()["code"] == "case.handler_not_qualified"
    await world.file(handlers=("甲", "后证"), filed_on=_day(-5))
    # 乙 was suspended from 20 to 10 days ago, then reinstated.
    await _qualify(client, world, "乙", "suspend", _day(-20))
    await _qualify(client, world, "乙", "reinstate", _day(-10))
    during = await world.file(handlers=("甲", "乙"), filed_on=_day(-15), expect=422)
    assert during.json()["code"] == "case.handler_not_qualified" and during.json()["basis"] == ["CASE-3"]
    await world.file(handlers=("甲", "乙"), filed_on=_day(-25))
    await world.file(handlers=("甲", "乙"), filed_on=_day(-10))
    # ... and an action dated during the suspension is refused as well.
    case = (await world.file(handlers=("甲", "乙"), filed_on=_day(-25))).json()
    started = await world.act(case["id"], "investigation", {"started_on": _day(-12)})
    assert started.status_code == 422 and started.json()["code"] == "case.handlers_not_qualified_on_date"
    assert (await world.act(case["id"], "investigation", {"started_on": _day(-9)})).status_code == 200


async def test_case_3_filed_on_cannot_precede_the_back_dating_window_but_through_the_import_role(
    world, client, as_headers
) -> None:
    edge = await world.file(filed_on=_day(-30))
    assert edge.json()["filed_on"] == _day(-30)
    refused = await world.file(filed_on=_day(-31), expect=422)
    problem = refused.json()
    assert problem["code"] == "case.filed_before_backdating_window" and problem["basis"] == ["CASE-3"]
    assert uuid.UUID(problem["policy_id"]) and problem["errors"][0]["loc"] == ["body", "filed_on"]
    leader = await world.file(filed_on=_day(-31), roles=("unit_leader",), expect=422)
    assert leader.json()["code"] == "case.filed_before_backdating_window"
    imported = await world.file(filed_on=_day(-200), roles=("platform",))
    assert imported.json()["filed_on"] == _day(-200)
    # The window is a policy value: the county allows 60 days from today on.
    policy = await client.post(
        "/api/v1/policies",
        json={
            "issuer_unit_id": world.units["XC"],
            "effective_from": _day(),
            "values": {"backdating_days": 60},
            "source": {"title": "某县补录立案规定（测试）"},
        },
        headers=as_headers("justice_bureau", unit=world.units["XC"]),
    )
    assert policy.status_code == 201, policy.text
    await world.file(filed_on=_day(-45))
    beyond = await world.file(filed_on=_day(-61), expect=422)
    assert beyond.json()["policy_id"] == policy.json()["id"]


# --- CASE-8: remedies challenge a decision, dated between it and today ------------------------------


async def _decided(world, on: int = -5, filed: int = -10) -> dict:
    case = (await world.file(filed_on=_day(filed))).json()
    assert (await world.act(case["id"], "investigation", {"started_on": _day(filed)})).status_code == 200
    decided = await world.act(case["id"], "decision", _decision(_day(on)))
    assert decided.status_code == 200, decided.text
    return decided.json()


async def test_case_8_a_remedy_needs_a_decided_case(world, client, bodies) -> None:
    legal = world.as_officer("T1", "legal_affairs")
    remedy = {"kind": "reconsideration", "filed_on": _day()}
    filed = (await world.file()).json()
    refused = await client.post(f"{CASES}/{filed['id']}/legal-remedies", json=remedy, headers=legal)
    assert refused.status_code == 409 and refused.json()["code"] == "case.remedy_before_decision"
    assert refused.json()["basis"] == ["CASE-8"]
    transferred = (await world.file()).json()
    await world.act(transferred["id"], "transfer", bodies["transfer"])
    refused = await client.post(f"{CASES}/{transferred['id']}/legal-remedies", json=remedy, headers=legal)
    assert refused.status_code == 409 and refused.json()["code"] == "case.remedy_before_decision"
    decided = await _decided(world)
    assert (await client.post(f"{CASES}/{decided['id']}/legal-remedies", json=remedy, headers=legal)).status_code == 201
    for step in ("service", "execution", "closure"):
        assert (await world.act(decided["id"], step, {**_body(step)})).status_code == 200
    litigation = {"kind": "litigation", "filed_on": _day()}
    closed = await client.post(f"{CASES}/{decided['id']}/legal-remedies", json=litigation, headers=legal)
    assert closed.status_code == 201, "a closed case's decision can still be challenged"


def _body(step: str) -> dict:
    return {
        "service": {"served_on": _day(), "method": "direct"},
        "execution": {"executed_on": _day()},
        "closure": {"closed_on": _day()},
    }[step]


async def test_case_8_remedy_dates_lie_between_the_decision_and_today(world, client) -> None:
    legal = world.as_officer("T1", "legal_affairs")
    case = await _decided(world, on=-5, filed=-10)
    url = f"{CASES}/{case['id']}/legal-remedies"
    for body, field in (
        ({"kind": "reconsideration", "filed_on": _day(-6)}, "filed_on"),  # before the decision
        ({"kind": "reconsideration", "filed_on": _day(-11)}, "filed_on"),  # before the case was filed
        ({"kind": "litigation", "filed_on": _day(1)}, "filed_on"),  # tomorrow
        ({"kind": "litigation", "filed_on": "2099-06-01"}, "filed_on"),
        (
            {"kind": "litigation", "status": "concluded", "result": "upheld", "filed_on": _day(-3),
             "concluded_on": _day(-4)},
            "concluded_on",
        ),
        (
            {"kind": "litigation", "status": "concluded", "result": "upheld", "filed_on": _day(-3),
             "concluded_on": _day(1)},
            "concluded_on",
        ),
    ):  # fmt: skip
        refused = await client.post(url, json=body, headers=legal)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["code"] == "case.remedy_date_out_of_range" and refused.json()["basis"] == ["CASE-8"]
        assert refused.json()["errors"][0]["loc"] == ["body", field]
    on_decision_day = await client.post(url, json={"kind": "reconsideration", "filed_on": _day(-5)}, headers=legal)
    assert on_decision_day.status_code == 201, on_decision_day.text
    remedy = on_decision_day.json()
    patch_url = f"{url}/{remedy['id']}"
    late = {"status": "concluded", "result": "revoked", "concluded_on": _day(1)}
    refused = await client.patch(patch_url, json=late, headers={**legal, "If-Match": '"1"'})
    assert refused.status_code == 422 and refused.json()["code"] == "case.remedy_date_out_of_range"
    early = {**late, "concluded_on": _day(-6)}
    refused = await client.patch(patch_url, json=early, headers={**legal, "If-Match": '"1"'})
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == ["body", "concluded_on"]
    concluded = await client.patch(
        patch_url, json={**late, "concluded_on": _day()}, headers={**legal, "If-Match": '"1"'}
    )
    assert concluded.status_code == 200 and concluded.json()["concluded_on"] == _day()


async def test_case_8_remedies_are_listed_in_scope_and_paginated(world, client, as_headers) -> None:
    legal = world.as_officer("T1", "legal_affairs")
    case = await _decided(world, on=-5, filed=-10)
    url = f"{CASES}/{case['id']}/legal-remedies"
    created = []
    for offset, kind in ((-1, "litigation"), (-4, "reconsideration"), (0, "compensation")):
        response = await client.post(url, json={"kind": kind, "filed_on": _day(offset)}, headers=legal)
        assert response.status_code == 201, response.text
        created.append(response.json())
    reader = world.as_officer("T1")
    first = (await client.get(url, params={"limit": 2}, headers=reader)).json()
    assert [r["kind"] for r in first["items"]] == ["reconsideration", "litigation"] and first["next_cursor"]
    rest = (await client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=reader)).json()
    assert [r["id"] for r in rest["items"]] == [created[2]["id"]] and rest["next_cursor"] is None
    assert rest["items"][0] == created[2]
    county = (await client.get(url, headers=as_headers("justice_bureau", unit=world.units["XC"]))).json()
    assert len(county["items"]) == 3
    sibling = await client.get(url, headers=world.as_officer("T2"))
    missing = await client.get(f"{CASES}/{uuid.uuid4()}/legal-remedies", headers=world.as_officer("T2"))
    assert sibling.status_code == missing.status_code == 404
    assert _same(sibling.json()) == _same(missing.json())


# --- STAT-7: the decision's penalty kinds, and the owner's counts --------------------------------------


async def test_stat_7_the_decision_records_penalty_kinds_and_case_decided_carries_them(world, client, app) -> None:
    case = (await world.file()).json()
    await world.act(case["id"], "investigation")
    for body, why in (
        (_decision(penalty_kinds=[]), "a penalty decision names its kinds"),
        (_decision(penalty_kinds=["warning"]), "fine_amount without fine"),
        (_decision(penalty_kinds=["fine"], fine_amount=None), "fine without an amount"),
        (_decision(penalty_kinds=["fine"], fine_amount="0"), "fine with a zero amount"),
        (_decision(penalty_kinds=["fine"], confiscation_amount="300"), "confiscation amount without the kind"),
    ):
        refused = await world.act(case["id"], "decision", body)
        assert refused.status_code == 422, why
        assert refused.json()["code"] == "case.invalid_penalty_kinds" and refused.json()["basis"] == ["STAT-7"], why
    assert (await world.act(case["id"], "decision", _decision(penalty_kinds=["parking"]))).status_code == 422
    decided = await world.act(
        case["id"],
        "decision",
        _decision(penalty_kinds=["fine", "confiscation", "warning", "fine"], confiscation_amount="300"),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["penalty_kinds"] == ["confiscation", "fine", "warning"], "once each, heaviest first"
    # Confiscated goods without a valuation: confiscation alone is accepted.
    goods = (await world.file()).json()
    await world.act(goods["id"], "investigation")
    body = _decision(penalty_kinds=["confiscation"], fine_amount=None, decision_type="没收非法财物")
    assert (await world.act(goods["id"], "decision", body)).json()["penalty_kinds"] == ["confiscation"]
    # Other categories are not 行政处罚: no kinds.
    licence = (await world.file(category="license", handlers=("甲",))).json()
    await world.act(licence["id"], "investigation")
    permit = {"decision_type": "准予许可", "decided_on": _day(), "legal_basis": "《行政许可法》"}
    refused = await world.act(licence["id"], "decision", {**permit, "penalty_kinds": ["warning"]})
    assert refused.status_code == 422 and refused.json()["code"] == "case.invalid_penalty_kinds"
    assert (await world.act(licence["id"], "decision", permit)).json()["penalty_kinds"] == []
    events = await _outbox(app, "case.decided")
    assert [e["data"]["penalty_kinds"] for e in events] == [["confiscation", "fine", "warning"], ["confiscation"], []]


async def test_stat_7_a_penalty_case_decided_without_a_penalty_names_no_kind_and_is_still_served(world, app) -> None:
    """行政处罚法 第五十七条: 不予行政处罚, or the facts not established — a decision with no kind and
    no amount; its decision is served like any 行政处罚 case's (CASE-9: 7 working days)."""
    outcomes = {}
    for outcome, decision_type in (("not_imposed", "不予行政处罚"), ("not_established", "违法事实不能成立")):
        case = (await world.file()).json()
        await world.act(case["id"], "investigation")
        body = {"decision_type": decision_type, "decided_on": _day(), "legal_basis": "《行政处罚法》第五十七条"}
        for wrong, why in (
            ({"penalty_kinds": ["warning"]}, "a kind"),
            ({"fine_amount": "100"}, "a fine"),
            ({"confiscation_amount": "5"}, "a confiscation"),
            ({"penalty_kinds": ["fine"], "fine_amount": "100"}, "a fine with its kind"),
        ):
            refused = await world.act(case["id"], "decision", {**body, "penalty_outcome": outcome, **wrong})
            assert refused.status_code == 422 and refused.json()["code"] == "case.invalid_penalty_kinds", why
        decided = await world.act(case["id"], "decision", {**body, "penalty_outcome": outcome, "fine_amount": "0"})
        assert decided.status_code == 200, decided.text
        read = decided.json()
        assert (read["penalty_outcome"], read["penalty_kinds"], read["fine_amount"]) == (outcome, [], None)
        assert sorted(d["kind"] for d in read["deadlines"]) == ["decision", "service"], "served like any penalty case"
        outcomes[case["id"]] = outcome
    imposed = (await world.file()).json()
    await world.act(imposed["id"], "investigation")
    read = (await world.act(imposed["id"], "decision", _decision())).json()
    assert read["penalty_outcome"] == "imposed" and "service" in [d["kind"] for d in read["deadlines"]]
    outcomes[imposed["id"]] = "imposed"
    licence = (await world.file(category="license", handlers=("甲",))).json()
    await world.act(licence["id"], "investigation")
    permit = {"decision_type": "准予许可", "decided_on": _day(), "legal_basis": "《行政许可法》"}
    refused = await world.act(licence["id"], "decision", {**permit, "penalty_outcome": "not_imposed"})
    assert refused.status_code == 422 and refused.json()["code"] == "case.invalid_penalty_kinds"
    assert refused.json()["errors"][0]["loc"] == ["body", "penalty_outcome"]
    assert (await world.act(licence["id"], "decision", permit)).json()["penalty_outcome"] is None
    events = {e["data"]["case_id"]: e["data"] for e in await _outbox(app, "case.decided")}
    assert {case: events[case]["penalty_outcome"] for case in outcomes} == outcomes
    assert events[licence["id"]]["penalty_outcome"] is None
    assert all(
        (events[case]["penalty_kinds"], events[case]["fine_amount"]) == ([], None)
        for case, o in outcomes.items()
        if o != "imposed"
    ), "a zero fine of a decision imposing nothing is no amount"


async def test_stat_7_counts_for_reconciliation_by_fact_date_and_group(world, client, as_headers) -> None:
    """Filed by filed_on, decided (hearings, amounts, heaviest penalty kind) by decided_on,
    closed by closed_on; the unit with its sub-units; the caller's scope."""
    t1_leader = as_headers("unit_leader", unit=world.units["T1"])
    old = (await world.file(filed_on=_day(-40), roles=("platform",))).json()  # filed before the period
    for step, body in (
        ("investigation", {"started_on": _day(-40)}),
        ("hearing", {"held_on": _day(-3)}),
        ("decision", _decision(_day(-2), penalty_kinds=["fine", "confiscation", "license_suspension"], fine_amount="1000.50",
                               confiscation_amount="200")),
        *((step, _body(step)) for step in ("service", "execution", "closure")),
    ):  # fmt: skip
        acted = await world.act(old["id"], step, body)
        assert acted.status_code == 200, acted.text
    recent = (await world.file(filed_on=_day(-5))).json()
    await world.act(recent["id"], "investigation")
    await world.act(recent["id"], "decision", _decision(fine_amount="99.50"))
    licence = (await world.file(category="license", handlers=("甲",), filed_on=_day(-3))).json()
    await world.act(licence["id"], "investigation")
    await world.act(
        licence["id"], "decision", {"decision_type": "准予许可", "decided_on": _day(), "legal_basis": "许可法"}
    )
    section = await client.post(  # a case of the section under T1: counted with T1
        CASES,
        json={
            "unit_id": world.units["T1S"],
            "category": "inspection",
            "title": "检查",
            "party": {"name": "某店", "kind": "organization"},
            "lead_handler_id": world.officers["丙"],
        },
        headers=world.as_officer("T1"),
    )
    assert section.status_code == 201, section.text
    await world.file(unit="T2", handlers=("丁", "戊"))  # the sibling's

    url = f"{CASES}:counts"
    period = {"from": _day(-30), "to": _day()}
    bureau = as_headers("justice_bureau", unit=world.units["XC"])
    t1 = (await client.get(url, params={**period, "unit_id": world.units["T1"]}, headers=bureau)).json()
    assert t1["basis"] == ["STAT-7", "STAT-5c"] and t1["group_by"] is None
    assert t1["totals"] == {
        "key": None, "filed": 3, "decided": 3, "closed": 1, "hearings": 1,
        "fines_total": "1100.00", "confiscations_total": "200.00",
        "penalty_decisions": {"license_suspension": 1, "fine": 1},
    }  # fmt: skip
    county = (await client.get(url, params=period, headers=bureau)).json()
    assert county["unit_id"] is None and county["totals"]["filed"] == 4
    by_category = (
        await client.get(url, params={**period, "unit_id": world.units["T1"], "group_by": "category"}, headers=bureau)
    ).json()
    assert {r["key"]: (r["filed"], r["decided"], r["closed"]) for r in by_category["rows"]} == {
        "inspection": (1, 0, 0),
        "license": (1, 1, 0),
        "penalty": (1, 2, 1),
    }
    by_unit = (
        await client.get(url, params={**period, "unit_id": world.units["XC"], "group_by": "unit"}, headers=bureau)
    ).json()
    assert {r["key"]: r["filed"] for r in by_unit["rows"]} == {
        world.units["T1"]: 2,
        world.units["T1S"]: 1,
        world.units["T2"]: 1,
    }
    by_status = (
        await client.get(url, params={**period, "unit_id": world.units["T1"], "group_by": "status"}, headers=bureau)
    ).json()
    assert {r["key"]: r["decided"] for r in by_status["rows"]} == {"closed": 1, "decided": 2, "filed": 0}
    wide = {"from": _day(-60), "to": _day()}
    by_month = (
        await client.get(url, params={**wide, "unit_id": world.units["T1"], "group_by": "month"}, headers=bureau)
    ).json()
    filed_months: dict[str, int] = {}
    for offset in (-40, -5, -3, 0):
        month = _day(offset)[:7]
        filed_months[month] = filed_months.get(month, 0) + 1
    assert {r["key"]: r["filed"] for r in by_month["rows"] if r["filed"]} == filed_months
    assert sum(r["decided"] for r in by_month["rows"]) == 3
    # The caller's scope: an auditor of T1 reads T1, not its sibling; officers not at all.
    auditor = as_headers("auditor", unit=world.units["T1"])
    assert (await client.get(url, params={**period, "unit_id": world.units["T1"]}, headers=auditor)).status_code == 200
    own_scope = (await client.get(url, params=period, headers=auditor)).json()
    assert own_scope["totals"]["filed"] == 3
    sibling = await client.get(url, params={**period, "unit_id": world.units["T2"]}, headers=auditor)
    unknown = await client.get(url, params={**period, "unit_id": str(uuid.uuid4())}, headers=auditor)
    assert sibling.status_code == unknown.status_code == 404
    assert (await client.get(url, params=period, headers=t1_leader)).status_code == 403
    inverted = await client.get(url, params={"from": _day(), "to": _day(-1)}, headers=bureau)
    assert inverted.status_code == 422
    assert (await client.get(url, params={"from": _day()}, headers=bureau)).status_code == 422


# --- STAT-8: the duties of a unit ----------------------------------------------------------------------


async def test_stat_8_units_record_their_duties_and_unit_events_carry_them(world, client, app, as_headers) -> None:
    admin = as_headers("admin")
    body = {"code": "SCJG", "name": "市场监管所", "kind": "section", "parent_id": world.units["T1"]}
    created = await client.post(
        "/api/v1/units", json={**body, "duties": ["inspection", "penalty", "penalty"]}, headers=admin
    )
    assert created.status_code == 201, created.text
    unit = created.json()
    assert unit["duties"] == ["penalty", "inspection"], "once each, in the order of the categories"
    read = (await client.get(f"/api/v1/units/{unit['id']}", headers=admin)).json()
    assert read["duties"] == ["penalty", "inspection"]
    plain = (await client.post("/api/v1/units", json={**body, "code": "SCJG2"}, headers=admin)).json()
    assert plain["duties"] == [], "no duty recorded: 无相关职责 for every category"
    for bad in (["parking"], None, "penalty"):
        refused = await client.patch(
            f"/api/v1/units/{unit['id']}", json={"duties": bad}, headers={**admin, "If-Match": '"1"'}
        )
        assert refused.status_code == 422, bad
    updated = await client.patch(
        f"/api/v1/units/{unit['id']}", json={"duties": ["license", "coercion"]}, headers={**admin, "If-Match": '"1"'}
    )
    assert updated.status_code == 200 and updated.json()["duties"] == ["license", "coercion"]
    events = [e for e in await _outbox(app, "unit.created") if e["data"]["unit_id"] == unit["id"]]
    assert [e["data"]["duties"] for e in events] == [["penalty", "inspection"]]
    updates = [e for e in await _outbox(app, "unit.updated") if e["data"]["unit_id"] == unit["id"]]
    assert [e["data"]["duties"] for e in updates] == [["license", "coercion"]]


# --- trainings name only officers and units of the caller's scope (REV-8 reinstatement) ---------------


async def test_rev_8_training_attendees_and_organizer_must_exist_in_the_callers_scope(
    world, client, as_headers
) -> None:
    """A township-B leader recording a training for a township-A officer opened that officer's
    REV-8 reinstatement: every id of the body must exist and be in scope, the same 404 either way."""
    body = {
        "kind": "held",
        "title": "执法培训",
        "content": "行政处罚法",
        "organizer_unit_id": world.units["T2"],
        "start_date": _day(),
        "end_date": _day(),
        "hours": "2",
        "attendee_ids": [world.officers["丁"], world.officers["甲"]],
    }
    t2_leader = as_headers("unit_leader", unit=world.units["T2"])
    foreign = await client.post("/api/v1/trainings", json=body, headers=t2_leader)
    unknown = await client.post(
        "/api/v1/trainings", json={**body, "attendee_ids": [world.officers["丁"], str(uuid.uuid4())]}, headers=t2_leader
    )
    assert foreign.status_code == unknown.status_code == 404
    assert _same(foreign.json()) == _same(unknown.json())
    organizer = await client.post(
        "/api/v1/trainings",
        json={**body, "organizer_unit_id": world.units["T1"], "attendee_ids": [world.officers["丁"]]},
        headers=t2_leader,
    )
    assert organizer.status_code == 404
    recorded = await client.post(
        "/api/v1/trainings", json={**body, "attendee_ids": [world.officers["丁"]]}, headers=t2_leader
    )
    assert recorded.status_code == 201, recorded.text
    listed = (
        await client.get(
            "/api/v1/trainings",
            params={"attendee_id": world.officers["甲"]},
            headers=as_headers("justice_bureau", unit=world.units["XC"]),
        )
    ).json()
    assert listed["items"] == [], "no training was recorded for the other township's officer"
    county = await client.post(
        "/api/v1/trainings",
        json={
            **body,
            "organizer_unit_id": world.units["XC"],
            "attendee_ids": [world.officers["丁"], world.officers["甲"]],
        },
        headers=as_headers("unit_leader", unit=world.units["XC"]),
    )
    assert county.status_code == 201, "the county's leader sees both townships' officers"


async def test_case_3_the_handlers_of_an_open_case_are_replaced_by_qualified_officers_of_its_unit(
    world, client, app, as_headers
) -> None:
    """承办人员变更: a penalty case whose handlers were suspended is no longer stuck — the unit
    leader names two officers qualified on the day (CASE-3, CASE-9), the change is on the
    timeline (CASE-5) and announced (case.handlers_changed); the new handlers act, the old don't."""
    closed = await _decided(world, on=-1, filed=-3)
    for step in ("service", "execution", "closure"):
        assert (await world.act(closed["id"], step, _body(step))).status_code == 200
    case = (await world.file()).json()
    assert (await world.act(case["id"], "investigation")).status_code == 200
    await _qualify(client, world, "甲", "suspend")
    leader = as_headers("unit_leader", unit=world.units["T1"])
    url = f"{CASES}/{case['id']}/handlers"
    body = {"lead_handler_id": world.officers["丙"], "co_handler_ids": [world.officers["乙"]], "reason": "甲暂扣执法证"}

    refusals = (
        ({**body, "lead_handler_id": world.officers["甲"]}, leader, 422, "case.handler_not_qualified"),
        ({**body, "co_handler_ids": [world.officers["无证"]]}, leader, 422, "case.handler_not_qualified"),
        ({**body, "co_handler_ids": []}, leader, 422, "case.too_few_handlers"),
        ({**body, "co_handler_ids": [world.officers["丁"]]}, leader, 422, "case.unknown_handler"),  # T2's officer
        ({**body, "co_handler_ids": [str(uuid.uuid4())]}, leader, 422, "case.unknown_handler"),
        ({**body, "changed_on": _day(1)}, leader, 422, None),
        (body, world.as_officer("T1", "officer"), 403, "auth.forbidden"),
        (body, as_headers("unit_leader", unit=world.units["T2"]), 404, "resource.not_found"),
    )
    for wrong, headers, status, code in refusals:
        refused = await client.post(url, json=wrong, headers=headers)
        assert refused.status_code == status, (wrong, refused.text)
        if code:
            assert refused.json()["code"] == code, refused.text
    changed = await client.post(url, json=body, headers=leader)
    assert changed.status_code == 200, changed.text
    read = changed.json()
    assert (read["lead_handler_id"], read["co_handler_ids"]) == (world.officers["丙"], [world.officers["乙"]])
    timeline = (await client.get(f"{CASES}/{case['id']}/timeline", headers=leader)).json()["items"]
    entry = next(e for e in timeline if e["action"] == "handlers")
    assert entry["details"]["from"] == [world.officers["甲"], world.officers["乙"]]
    assert entry["details"]["to"] == [world.officers["丙"], world.officers["乙"]]
    events = await _outbox(app, "case.handlers_changed")
    assert [(e["data"]["lead_handler_id"], e["data"]["handler_ids"]) for e in events] == [
        (world.officers["丙"], [world.officers["丙"], world.officers["乙"]])
    ]
    # The decision that was refused with 甲 suspended now goes through with 丙 and 乙.
    decided = await client.post(f"{CASES}/{case['id']}/decision", json=_decision(), headers=leader)
    assert decided.status_code == 200, decided.text
    ended = await client.post(f"{CASES}/{closed['id']}/handlers", json=body, headers=leader)
    assert ended.status_code == 409 and ended.json()["code"] == "case.invalid_transition"
