"""Corrections (纠错) on the real PostgreSQL: started in the decision's transaction (TOL-16),
progress, completion with cause analysis, extension requests decided with reason by the
deciding body with the original due date kept, and the overdue scanner (TOL-17)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select, text
from tolerance_testing import COUNTY, auth, decision_body, outbox

from enforcement_common.calendar import today
from enforcement_common.testing.outbox import assert_outbox_matches_schemas
from tolerance_service.corrections.deadlines import correction_scanner
from tolerance_service.models import Application, Correction


async def correction(client, decided: dict) -> dict:
    response = await client.get(f"/api/v1/corrections/{decided['correction_id']}", headers=auth("officer"))
    assert response.status_code == 200, response.text
    return response.json()


async def test_TOL_16_an_exemption_decision_starts_its_correction_in_the_same_transaction(app, client, flow) -> None:
    decided = await flow.decided("exempted")
    order = await correction(client, decided)
    assert order["application_id"] == decided["id"] and order["status"] == "open"
    assert order["started_on"] == decided["decision"]["decided_on"]
    assert order["items"] == ["完善检查台账", "组织专题学习"] and order["reason"] == "检查流程存在疏漏"
    assert order["original_due_on"] == order["due_on"] and order["policy_id"] == decided["policy_id"]
    (started,) = await outbox(app, "tolerance.correction_started")
    assert started["data"]["correction_id"] == order["id"]
    due_diligence = await flow.apply(grounds={"due_diligence": ["DD1"], "tolerance": [], "mitigation": []})
    await flow.investigate(due_diligence, grounds={"due_diligence": ["DD1"], "tolerance": [], "mitigation": []})
    decided_dd = await flow.decide(due_diligence, "due_diligence")
    assert decided_dd["correction_id"] is not None


async def test_TOL_16_an_exemption_without_its_correction_order_is_refused_and_writes_nothing(
    app, client, flow
) -> None:
    application = await flow.apply()
    await flow.investigate(application)
    refused = await flow.decide(application, "exempted", expect=422, correction=None)
    assert refused["code"] == "tolerance.correction_required" and refused["basis"] == ["TOL-16"]
    async with app.state.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Correction)) == 0
        assert (await session.get(Application, application["id"])).status == "investigated"
    assert await outbox(app, "tolerance.decided") == []
    # and a rejection carries none
    body = decision_body("rejected", reasons="不予容错")
    body["correction"] = decision_body("exempted")["correction"]
    wrong = await client.post(
        f"/api/v1/applications/{application['id']}/decision",
        json=body,
        headers=auth("party_committee", unit=application["deciding_unit_id"]),
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "tolerance.correction_required"


async def test_TOL_17_progress_and_completion_with_cause_analysis(app, client, flow, world) -> None:
    decided = await flow.decided("exempted")
    order = await correction(client, decided)
    subject = auth("officer", officer=world.officers[0])
    progress = await client.post(
        f"/api/v1/corrections/{order['id']}/progress",
        json={"reported_on": today().isoformat(), "content": "已完善检查台账"},
        headers={**subject, "If-Match": f'"{order["version"]}"'},
    )
    assert progress.status_code == 200, progress.text
    assert [p["content"] for p in progress.json()["progress"]] == ["已完善检查台账"]
    assert progress.json()["version"] > order["version"]
    stranger = await client.post(
        f"/api/v1/corrections/{order['id']}/progress",
        json={"reported_on": today().isoformat(), "content": "x"},
        headers=auth("officer", officer=world.officers[2]),
    )
    assert stranger.status_code == 403 and stranger.json()["code"] == "correction.not_the_subject"
    done = await client.post(
        f"/api/v1/corrections/{order['id']}/completion",
        json={"completed_on": today().isoformat(), "cause_analysis": "台账制度不健全", "report": "已建立台账制度"},
        headers=subject,
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "completed" and body["cause_analysis"] == "台账制度不健全"
    assert body["deadlines"][0]["status"] == "met"
    again = await client.post(
        f"/api/v1/corrections/{order['id']}/completion",
        json={"completed_on": today().isoformat(), "cause_analysis": "x", "report": "x"},
        headers=subject,
    )
    assert again.status_code == 409 and again.json()["code"] == "correction.closed"
    (completed,) = await outbox(app, "tolerance.correction_completed")
    assert completed["data"]["late"] is False


async def test_TOL_17_extension_requested_with_reason_approved_and_refused_by_the_deciding_body(
    app, client, flow
) -> None:
    decided = await flow.decided("exempted")
    order = await correction(client, decided)
    original = order["due_on"]
    legal = auth("legal_affairs")

    async def request(days: int, expect: int = 201) -> dict:
        response = await client.post(
            f"/api/v1/corrections/{order['id']}/extension-requests",
            json={"requested_due_on": (today() + timedelta(days=days)).isoformat(), "reason": "需等待检测结果"},
            headers=legal,
        )
        assert response.status_code == expect, response.text
        return response.json()

    too_far = await request(200, expect=422)
    assert too_far["code"] == "correction.invalid_extension"
    first = await request(45)
    pending = await request(50, expect=409)
    assert pending["code"] == "correction.extension_pending"

    def decide(request_id: str, approved: bool, headers: dict):
        return client.post(
            f"/api/v1/corrections/{order['id']}/extension-requests/{request_id}/decision",
            json={
                "approved": approved,
                "reason": "理由充分" if approved else "理由不充分",
                "decided_on": today().isoformat(),
            },
            headers=headers,
        )

    not_the_body = await decide(first["id"], True, auth("party_committee", unit=COUNTY))
    assert not_the_body.status_code == 403 and not_the_body.json()["code"] == "tolerance.not_the_deciding_body"
    committee = auth("party_committee", unit=decided["deciding_unit_id"])
    approved = await decide(first["id"], True, committee)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["decision_reason"] == "理由充分"
    twice = await decide(first["id"], False, committee)
    assert twice.status_code == 409
    second = await request(60)
    refused = await decide(second["id"], False, committee)
    assert refused.json()["status"] == "refused"

    after = await correction(client, decided)
    assert after["original_due_on"] == original
    assert after["due_on"] == (today() + timedelta(days=45)).isoformat()
    assert [(r["status"], r["due_on_before"]) for r in after["extension_requests"]] == [
        ("approved", original),
        ("refused", after["due_on"]),
    ]
    (extended,) = await outbox(app, "tolerance.correction_extended")
    assert extended["data"]["previous_due_on"] == original and extended["data"]["original_due_on"] == original
    await assert_outbox_matches_schemas(app)


async def test_TOL_17_an_overdue_correction_emits_once_and_a_late_completion_stays_visible(
    app, client, flow, world
) -> None:
    decided = await flow.decided("exempted", days_ago=40)  # due 30 days after the decision: 10 days ago
    order = await correction(client, decided)
    assert order["deadlines"][0]["status"] == "overdue"
    scanner = correction_scanner(60)
    assert await scanner.scan_once(app.state.sessions) == 1
    assert await scanner.scan_once(app.state.sessions) == 0
    (overdue,) = await outbox(app, "tolerance.correction_overdue")
    assert overdue["data"]["due_on"] == order["due_on"] and overdue["data"]["basis"] == ["TOL-17"]
    done = await client.post(
        f"/api/v1/corrections/{order['id']}/completion",
        json={"completed_on": today().isoformat(), "cause_analysis": "人员不足", "report": "已整改"},
        headers=auth("officer", officer=world.officers[0]),
    )
    deadline = done.json()["deadlines"][0]
    assert (deadline["status"], deadline["days_late"]) == ("met_late", 10)
    assert done.json()["breached_due_on"] == order["due_on"]
    (completed,) = await outbox(app, "tolerance.correction_completed")
    assert completed["data"]["late"] is True
    await assert_outbox_matches_schemas(app)


async def test_TOL_17_an_extension_after_a_breach_keeps_it_visible_and_the_new_due_date_is_watched(
    app, client, flow
) -> None:
    decided = await flow.decided("exempted", days_ago=40)
    order = await correction(client, decided)
    scanner = correction_scanner(60)
    assert await scanner.scan_once(app.state.sessions) == 1
    request = await client.post(
        f"/api/v1/corrections/{order['id']}/extension-requests",
        json={"requested_due_on": (today() + timedelta(days=5)).isoformat(), "reason": "特殊情况"},
        headers=auth("legal_affairs"),
    )
    approved = await client.post(
        f"/api/v1/corrections/{order['id']}/extension-requests/{request.json()['id']}/decision",
        json={"approved": True, "reason": "同意", "decided_on": today().isoformat()},
        headers=auth("party_committee", unit=decided["deciding_unit_id"]),
    )
    assert approved.status_code == 200, approved.text
    extended = await correction(client, decided)
    assert extended["deadlines"][0]["status"] == "open" and extended["breached_due_on"] == order["due_on"]
    assert extended["original_due_on"] == order["due_on"]
    assert await scanner.scan_once(app.state.sessions) == 0  # the new date has not passed
    async with app.state.sessions() as session, session.begin():  # … until it has
        await session.execute(
            text("UPDATE corrections SET due_on = current_date - 1 WHERE id = :id"), {"id": uuid.UUID(order["id"])}
        )
    assert await scanner.scan_once(app.state.sessions) == 1
    assert await scanner.scan_once(app.state.sessions) == 0
    assert len(await outbox(app, "tolerance.correction_overdue")) == 2
