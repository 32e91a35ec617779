"""Error cases (错案责任倒查问责) on the real PostgreSQL, through the API and the inbox: ERR-2 … ERR-12 and TOL-15."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from accountability_service.error_cases.deadlines import transfer_overdue_scanner
from enforcement_common.calendar import today
from enforcement_common.testing.outbox import outbox_events


def events_of(events: list[dict], event_type: str) -> list[dict]:
    return [e["payload"]["data"] for e in events if e["event_type"] == event_type]


async def _open(client, world, case_key="penalty", received_on=None, source="complaint"):
    return await client.post(
        "/api/v1/error-cases",
        json={
            "source": source,
            "case_id": str(world.cases[case_key].case_id),
            "unit_id": str(world.unit),
            "description": "相对人投诉，经调查认定存在错误",
            "received_on": str(received_on or today()),
        },
        headers=world.as_("legal_affairs"),
    )


# --- ERR-2, ERR-5 -----------------------------------------------------------------------------------


async def test_err_2_a_penalty_case_opens_and_an_inspection_case_is_refused(client, world) -> None:
    opened = await _open(client, world)
    assert opened.status_code == 201, opened.text
    assert opened.json()["status"] == "accepted" and opened.json()["source"] == "complaint"
    refused = await _open(client, world, case_key="inspection")
    assert refused.status_code == 422
    assert refused.json()["code"] == "error_case.outside_scope" and refused.json()["basis"] == ["ERR-2"]


async def test_err_5_a_revoked_reconsideration_opens_one_error_case_under_redelivery_and_replay(
    client, app, world, deliver
) -> None:
    remedy = world.remedy("penalty", "reconsideration", "revoked")
    await deliver(remedy, times=2)
    await deliver(remedy, times=2, replay=True)
    listed = (await client.get("/api/v1/error-cases", headers=world.as_("legal_affairs"))).json()["items"]
    assert [(c["source"], c["remedy_id"]) for c in listed] == [("reconsideration", str(remedy.remedy_id))]
    opened = events_of(await outbox_events(app), "accountability.error_case_opened")
    assert len(opened) == 1 and opened[0]["source"] == "reconsideration"


async def test_err_5_sources_3_to_5_open_only_on_the_results_the_seed_names(client, world, deliver) -> None:
    opening = [
        ("reconsideration", "partially_revoked"),
        ("reconsideration", "changed"),
        ("litigation", "ordered_redo"),
        ("litigation", "partially_revoked"),
        ("compensation", "compensation_paid"),
    ]
    for kind, result in opening:
        await deliver(world.remedy("penalty", kind, result))
    for kind, result, status in (
        ("reconsideration", "upheld", "concluded"),
        ("litigation", "dismissed", "concluded"),
        ("litigation", None, "pending"),
    ):
        await deliver(world.remedy("penalty", kind, result, status=status))
    # ERR-2: a revoked inspection case is not an error case of this regulation.
    await deliver(world.remedy("inspection", "litigation", "revoked"))
    listed = (await client.get("/api/v1/error-cases", headers=world.as_("legal_affairs"))).json()["items"]
    assert sorted(c["source"] for c in listed) == sorted(kind for kind, _ in opening)


# --- ERR-10: transfer, team, determination, re-investigation -------------------------------------------


async def test_err_10_a_late_transfer_stays_visible_as_late(client, world) -> None:
    opened = (await _open(client, world, received_on=today() - timedelta(days=20))).json()
    assert opened["deadlines"][0]["status"] == "overdue" and opened["deadlines"][0]["basis"] == ["ERR-10"]
    assert opened["deadlines"][0]["policy_id"]
    moved = await client.post(
        f"/api/v1/error-cases/{opened['id']}/transfer",
        json={"transferred_on": str(today()), "to": "县市场监督管理局", "reason": "不属本单位管辖"},
        headers=world.as_("legal_affairs"),
    )
    assert moved.status_code == 200, moved.text
    deadline = moved.json()["deadlines"][0]
    assert moved.json()["status"] == "transferred"
    assert deadline["status"] == "met_late" and deadline["days_late"] > 0


async def test_err_10_a_transfer_within_two_working_days_is_met(client, world) -> None:
    opened = (await _open(client, world)).json()
    moved = await client.post(
        f"/api/v1/error-cases/{opened['id']}/transfer",
        json={"transferred_on": str(today()), "to": "县司法局", "reason": "不属本单位管辖"},
        headers=world.as_("legal_affairs"),
    )
    assert moved.json()["deadlines"][0]["status"] == "met"
    again = await client.post(
        f"/api/v1/error-cases/{opened['id']}/transfer",
        json={"transferred_on": str(today()), "to": "县司法局", "reason": "重复"},
        headers=world.as_("legal_affairs"),
    )
    assert again.status_code == 409 and again.json()["code"] == "error_case.invalid_transition"


async def test_err_10_the_overdue_scanner_emits_one_deadline_overdue(app, client, world) -> None:
    late = (await _open(client, world, received_on=today() - timedelta(days=20))).json()
    await _open(client, world)  # not due yet
    scanner = transfer_overdue_scanner(1)
    assert await scanner.scan_once(app.state.sessions) == 1
    assert await scanner.scan_once(app.state.sessions) == 0
    overdue = events_of(await outbox_events(app), "accountability.deadline_overdue")
    assert [(o["error_case_id"], o["kind"], o["basis"]) for o in overdue] == [(late["id"], "transfer", ["ERR-10"])]


async def test_err_10_a_respondent_cannot_sit_on_the_investigation_team(client, world) -> None:
    opened = (await _open(client, world)).json()
    ec = opened["id"]
    team = await client.post(
        f"/api/v1/error-cases/{ec}/investigation",
        json={
            "member_ids": [str(world.officers["investigator"])],
            "appointed_by": "局长",
            "appointed_on": str(today()),
        },
        headers=world.as_("unit_leader"),
    )
    assert team.status_code == 200 and team.json()["status"] == "investigating"
    refused = await client.post(
        f"/api/v1/error-cases/{ec}/findings",
        json={"respondents": [{"officer_id": str(world.officers["investigator"]), "behaviours": ["L5"]}]},
        headers=world.as_("legal_affairs"),
    )
    assert refused.status_code == 422 and refused.json()["basis"] == ["ERR-10"]
    found = await client.post(
        f"/api/v1/error-cases/{ec}/findings",
        json={"respondents": [{"officer_id": str(world.officers["lead"]), "behaviours": ["L5"]}]},
        headers=world.as_("legal_affairs"),
    )
    assert found.status_code == 200
    reappointed = await client.post(
        f"/api/v1/error-cases/{ec}/investigation",
        json={"member_ids": [str(world.officers["lead"])], "appointed_by": "局长", "appointed_on": str(today())},
        headers=world.as_("unit_leader"),
    )
    assert reappointed.status_code == 422 and reappointed.json()["code"] == "error_case.team_member_is_respondent"


async def test_err_10_a_team_member_unknown_or_of_another_unit_is_404(client, world, new_world) -> None:
    other = await new_world("西关", code="T9")
    opened = (await _open(client, world)).json()
    for member in (other.officers["lead"], world.cases["penalty"].case_id):
        refused = await client.post(
            f"/api/v1/error-cases/{opened['id']}/investigation",
            json={"member_ids": [str(member)], "appointed_by": "局长", "appointed_on": str(today())},
            headers=world.as_("unit_leader"),
        )
        assert refused.status_code == 404


async def test_err_10_the_determination_records_its_collective_discussion_and_reopening_window(
    client, decide, world
) -> None:
    decided = await decide(world, sanctions=["written_self_criticism"])
    assert decided["status"] == "decided" and decided["collective_discussion_on"]
    assert decided["reinvestigation_due_on"]


async def test_err_10_reinvestigation_within_one_month_is_ordered(client, decide, world) -> None:
    decided = await decide(world, sanctions=["written_self_criticism"])
    ec = decided["error_case_id"]
    ordered = await client.post(
        f"/api/v1/error-cases/{ec}/reinvestigation-order",
        json={"ordered_on": str(today()), "reason": "事实不清"},
        headers=world.as_("unit_leader"),
    )
    assert ordered.status_code == 200 and ordered.json()["status"] == "reinvestigating"


async def test_err_10_reinvestigation_after_one_month_is_refused(app, client, decide, world) -> None:
    decided = await decide(world, sanctions=["written_self_criticism"])
    ec = decided["error_case_id"]
    async with app.state.sessions() as session, session.begin():
        await session.execute(
            text("UPDATE error_cases SET decided_on = :d, reinvestigation_due_on = :due WHERE id = :id"),
            {"d": today() - timedelta(days=40), "due": today() - timedelta(days=9), "id": ec},
        )
    refused = await client.post(
        f"/api/v1/error-cases/{ec}/reinvestigation-order",
        json={"ordered_on": str(today()), "reason": "事实不清"},
        headers=world.as_("unit_leader"),
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "error_case.reinvestigation_window_closed"
    assert refused.json()["basis"] == ["ERR-10"]


# --- ERR-6, ERR-8, ERR-9: findings and the proposed handling -------------------------------------------


async def _investigating(client, world) -> str:
    ec = (await _open(client, world)).json()["id"]
    await client.post(
        f"/api/v1/error-cases/{ec}/investigation",
        json={
            "member_ids": [str(world.officers["investigator"])],
            "appointed_by": "局长",
            "appointed_on": str(today()),
        },
        headers=world.as_("unit_leader"),
    )
    return ec


async def test_err_6_8_9_findings_per_respondent_carry_the_proposed_handling(client, world) -> None:
    ec = await _investigating(client, world)
    found = await client.post(
        f"/api/v1/error-cases/{ec}/findings",
        json={
            "respondents": [
                {"officer_id": str(world.officers["lead"]), "behaviours": ["L3", "L9"], "heavier_grounds": ["H3"]},
                {"officer_id": str(world.officers["co"]), "behaviours": ["L5"], "lighter_grounds": ["E4"]},
                {"officer_id": str(world.officers["other"]), "behaviours": ["L4"], "lighter_grounds": ["E6"]},
            ]
        },
        headers=world.as_("legal_affairs"),
    )
    assert found.status_code == 200, found.text
    by_officer = {r["officer_id"]: r for r in found.json()["respondents"]}
    lead, co, other = (by_officer[str(world.officers[k])] for k in ("lead", "co", "other"))
    assert lead["behaviours"] == ["L3", "L9"]
    assert lead["proposal"]["handling"] == "heavier" and lead["proposal"]["basis"] == ["ERR-9"]
    assert lead["proposal"]["referral"] == ["discipline"]
    assert co["proposal"]["handling"] == "lighter" and co["proposal"]["basis"] == ["ERR-8"]
    assert other["proposal"]["handling"] == "exempted" and other["proposal"]["basis"] == ["ERR-8"]


async def test_err_6_an_unknown_behaviour_is_refused(client, world) -> None:
    ec = await _investigating(client, world)
    refused = await client.post(
        f"/api/v1/error-cases/{ec}/findings",
        json={"respondents": [{"officer_id": str(world.officers["lead"]), "behaviours": ["L12"]}]},
        headers=world.as_("legal_affairs"),
    )
    assert refused.status_code == 422


async def test_err_8_9_a_determination_departing_from_the_proposal_needs_reasons(client, world) -> None:
    ec = await _investigating(client, world)
    await client.post(
        f"/api/v1/error-cases/{ec}/findings",
        json={
            "respondents": [
                {"officer_id": str(world.officers["lead"]), "behaviours": ["L4"], "heavier_grounds": ["H1"]}
            ]
        },
        headers=world.as_("legal_affairs"),
    )
    body = {
        "decided_on": str(today()),
        "collective_discussion_on": str(today()),
        "is_error_case": True,
        "respondents": [
            {"officer_id": str(world.officers["lead"]), "handling": "lighter", "sanctions": ["written_self_criticism"]}
        ],
    }
    refused = await client.post(f"/api/v1/error-cases/{ec}/determination", json=body, headers=world.as_("unit_leader"))
    assert refused.status_code == 422
    assert refused.json()["code"] == "error_case.departs_without_reasons" and refused.json()["basis"] == ["ERR-9"]
    body["respondents"][0]["reasons"] = "主动认错，集体讨论决定从轻"
    allowed = await client.post(f"/api/v1/error-cases/{ec}/determination", json=body, headers=world.as_("unit_leader"))
    assert allowed.status_code == 200, allowed.text
    respondent = allowed.json()["respondents"][0]
    assert respondent["handling"] == "lighter" and respondent["departure_reasons"]


async def test_err_10_a_discussion_after_the_decision_is_refused(client, world) -> None:
    ec = await _investigating(client, world)
    refused = await client.post(
        f"/api/v1/error-cases/{ec}/determination",
        json={
            "decided_on": str(today() - timedelta(days=1)),
            "collective_discussion_on": str(today()),
            "is_error_case": False,
        },
        headers=world.as_("unit_leader"),
    )
    assert refused.status_code == 422 and refused.json()["basis"] == ["ERR-10"]


# --- ERR-11: sanctions and their events --------------------------------------------------------------------


async def test_err_11_suspension_emits_sanction_imposed_and_the_decision_event(app, client, decide, world) -> None:
    decided = await decide(world, sanctions=["suspend_enforcement", "disqualify_awards_promotion"])
    events = await outbox_events(app)
    imposed = events_of(events, "accountability.sanction_imposed")
    assert [(i["officer_id"], i["sanctions"]) for i in imposed] == [
        (str(world.officers["lead"]), ["suspend_enforcement", "disqualify_awards_promotion"])
    ]
    decision = events_of(events, "accountability.error_case_decided")
    assert decision[0]["respondents"][0]["sanctions"] == ["suspend_enforcement", "disqualify_awards_promotion"]
    assert decision[0]["respondents"][0]["tolerated"] is False
    assert decided["respondents"][0]["basis"] == ["ERR-10", "ERR-6"]


async def test_err_11_an_exempted_respondent_or_a_non_error_case_is_not_sanctioned(client, decide, world) -> None:
    refused = await decide(world, sanctions=["circulated_criticism"], handling="exempted", expect=422)
    assert refused["code"] == "error_case.sanction_refused" and refused["basis"] == ["ERR-8", "ERR-11"]


# --- TOL-15 ---------------------------------------------------------------------------------------------


async def test_tol_15_a_respondent_with_an_exemption_cannot_be_sanctioned(client, decide, world, deliver) -> None:
    await deliver(world.tolerance("penalty", ["lead"], "exempted"))
    refused = await decide(world, sanctions=["suspend_enforcement"], expect=422)
    assert refused["code"] == "error_case.sanction_refused" and refused["basis"] == ["TOL-15"]


async def test_tol_15_a_tolerated_respondent_is_decided_exempted_without_sanction(
    client, decide, world, deliver
) -> None:
    await deliver(world.tolerance("penalty", ["lead"], "due_diligence"))
    decided = await decide(world, sanctions=[], handling="exempted")
    respondent = decided["respondents"][0]
    assert respondent["tolerated"] is True and respondent["sanctions"] == [] and "TOL-15" in respondent["basis"]


async def test_tol_15_a_mitigated_decision_allows_lighter_handling_at_most(client, decide, world, deliver) -> None:
    await deliver(world.tolerance("penalty", ["lead"], "mitigated", "lighter"))
    refused = await decide(world, sanctions=["circulated_criticism"], handling="ordinary", expect=422)
    assert refused["basis"] == ["TOL-15"]


async def test_tol_15_an_exemption_after_the_determination_withdraws_the_sanction_once(
    app, client, decide, world, deliver
) -> None:
    decided = await decide(world, sanctions=["suspend_enforcement"])
    decision = world.tolerance("penalty", ["lead"], "exempted")
    await deliver(decision, times=2)
    await deliver(decision, replay=True)
    case = (
        await client.get(f"/api/v1/error-cases/{decided['error_case_id']}", headers=world.as_("legal_affairs"))
    ).json()
    respondent = case["respondents"][0]
    assert respondent["tolerated"] and respondent["sanctions"] == []
    assert respondent["withdrawn_sanctions"] == ["suspend_enforcement"]
    withdrawn = events_of(await outbox_events(app), "accountability.sanction_withdrawn")
    assert [(w["officer_id"], w["sanctions"], w["basis"]) for w in withdrawn] == [
        (str(world.officers["lead"]), ["suspend_enforcement"], ["TOL-15"])
    ]


async def test_tol_15_a_rejected_decision_changes_nothing(client, decide, world, deliver) -> None:
    decided = await decide(world, sanctions=["suspend_enforcement"])
    await deliver(world.tolerance("penalty", ["lead"], "rejected"))
    case = (
        await client.get(f"/api/v1/error-cases/{decided['error_case_id']}", headers=world.as_("legal_affairs"))
    ).json()
    assert case["respondents"][0]["sanctions"] == ["suspend_enforcement"] and not case["respondents"][0]["tolerated"]


# --- ERR-12: appeals ----------------------------------------------------------------------------------------


async def test_err_12_only_the_respondent_appeals_and_a_revocation_withdraws_the_sanction(
    app, client, decide, world
) -> None:
    decided = await decide(world, sanctions=["suspend_enforcement"])
    ec = decided["error_case_id"]
    body = {"kind": "appeal", "appeal_to": "discipline_inspection", "statement": "证据不足", "filed_on": str(today())}
    stranger = await client.post(f"/api/v1/error-cases/{ec}/appeals", json=body, headers=world.as_("officer", who="co"))
    assert stranger.status_code == 403 and stranger.json()["basis"] == ["ERR-12"]
    appeal = await client.post(f"/api/v1/error-cases/{ec}/appeals", json=body, headers=world.as_("officer", who="lead"))
    assert appeal.status_code == 201, appeal.text
    decided_appeal = await client.post(
        f"/api/v1/appeals/{appeal.json()['id']}/decision",
        json={"outcome": "revoked", "decided_on": str(today()), "reasons": "证据不足，撤销处理"},
        headers=world.as_("discipline"),
    )
    assert decided_appeal.status_code == 200, decided_appeal.text
    assert decided_appeal.json()["status"] == "revoked"
    again = await client.post(
        f"/api/v1/appeals/{appeal.json()['id']}/decision",
        json={"outcome": "upheld", "decided_on": str(today()), "reasons": "再议"},
        headers=world.as_("discipline"),
    )
    assert again.status_code == 409
    withdrawn = events_of(await outbox_events(app), "accountability.sanction_withdrawn")
    assert [(w["sanctions"], w["basis"]) for w in withdrawn] == [(["suspend_enforcement"], ["ERR-12"])]
    case = (await client.get(f"/api/v1/error-cases/{ec}", headers=world.as_("legal_affairs"))).json()
    assert case["respondents"][0]["handling"] == "exempted" and case["respondents"][0]["sanctions"] == []


async def test_err_12_a_changed_handling_imposes_the_new_sanction(app, client, decide, world) -> None:
    decided = await decide(world, sanctions=["written_self_criticism"])
    ec = decided["error_case_id"]
    appeal = await client.post(
        f"/api/v1/error-cases/{ec}/appeals",
        json={"kind": "statement", "appeal_to": "deciding_organ", "statement": "陈述申辩", "filed_on": str(today())},
        headers=world.as_("officer", who="lead"),
    )
    changed = await client.post(
        f"/api/v1/appeals/{appeal.json()['id']}/decision",
        json={
            "outcome": "changed",
            "decided_on": str(today()),
            "reasons": "改为通报批评",
            "handling": "ordinary",
            "sanctions": ["circulated_criticism"],
        },
        headers=world.as_("unit_leader"),
    )
    assert changed.status_code == 200, changed.text
    events = await outbox_events(app)
    assert [w["sanctions"] for w in events_of(events, "accountability.sanction_withdrawn")] == [
        ["written_self_criticism"]
    ]
    assert [i["sanctions"] for i in events_of(events, "accountability.sanction_imposed")] == [
        ["written_self_criticism"],
        ["circulated_criticism"],
    ]
    missing = await client.post(
        f"/api/v1/appeals/{appeal.json()['id']}/decision",
        json={"outcome": "changed", "decided_on": str(today()), "reasons": "x"},
        headers=world.as_("unit_leader"),
    )
    assert missing.status_code == 422
