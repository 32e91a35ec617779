"""Issue 11 in review-service, through the public API on the real PostgreSQL and the real inbox:
REV-12 judged by the remedy's filing date (the review voided, REV-8 recomputed and the
sanction withdrawn), REV-5 transfers (no future or pre-closure date, a late transfer stays
overdue, no completion without the file), REV-7 problems of an unqualified file, and the
reviewers named in a write body (known officers in the caller's scope — 404 otherwise)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import text

from enforcement_common.calendar import today
from enforcement_common.contracts.case import UnitCreated
from enforcement_common.testing.delivery import apply_without_inbox
from enforcement_common.testing.outbox import assert_outbox_matches_schemas
from review_service.obligations.deadlines import overdue_scanner


async def obligation_of(client, helpers, case_id) -> dict:
    [item] = (
        await client.get(
            "/api/v1/obligations", params={"case_id": str(case_id)}, headers=helpers.headers("legal_affairs")
        )
    ).json()["items"]
    return item


async def assessment_of(client, helpers, officer) -> dict:
    [item] = (
        await client.get(
            "/api/v1/assessments", params={"officer_id": str(officer)}, headers=helpers.headers("legal_affairs")
        )
    ).json()["items"]
    return item


async def self_review(client, helpers, case_id, *, basic=None, problems=(), transfer=True) -> dict:
    body = {
        "case_id": str(case_id),
        "kind": "self",
        "reviewer_ids": [str(helpers.reviewer)],
        "basic": basic or helpers.basic_ok,
        "problems": list(problems),
    }
    created = await client.post("/api/v1/reviews", json=body, headers=helpers.headers("legal_affairs"))
    assert created.status_code == 201, created.text
    if transfer:
        assert (await helpers.transfer(client, case_id)).status_code == 200
    url = f"/api/v1/reviews/{created.json()['id']}/signatures"
    await client.post(url, json={"role": "legal_affairs_head"}, headers=helpers.headers("legal_affairs"))
    return (await client.post(url, json={"role": "reviewed_unit_head"}, headers=helpers.headers("unit_leader"))).json()


# --- REV-12 -----------------------------------------------------------------------------------


async def test_REV_12_a_remedy_filed_before_completion_but_recorded_after_voids_the_review_and_withdraws_the_suspension(
    app, client, deliver, helpers
) -> None:
    """The issue's reproduction: a reconsideration filed weeks earlier, recorded after the
    unqualified self-review completed today — the review and its REV-8 consequence no longer stand."""
    lead = uuid.uuid4()
    closed_on = today() - timedelta(days=30)
    cases = [helpers.closed(lead, closed_on) for _ in range(3)]
    for case in cases:
        await deliver(case)
    reviews = [
        await self_review(
            client, helpers, c.case_id, basic={**helpers.basic_ok, "facts_clear": False}, problems=["事实不清"]
        )
        for c in cases
    ]
    assert all(r["status"] == "completed" and r["grade"] == "unqualified" for r in reviews)
    assert (await assessment_of(client, helpers, lead))["consequence"] == "suspension"

    remedy = helpers.remedy_for(cases[0], "reconsideration", filed_on=closed_on + timedelta(days=4))
    assert await deliver(remedy, times=2) == [True, False]

    voided = (await client.get(f"/api/v1/reviews/{reviews[0]['id']}", headers=helpers.headers("legal_affairs"))).json()
    assert voided["status"] == "voided" and "REV-12" in voided["basis"]
    assert voided["voided"]["basis"] == ["REV-12"] and voided["voided"]["policy_id"]
    assert (
        voided["voided"]["remedy_filed_on"] == remedy.filed_on.isoformat() and "行政复议" in voided["voided"]["reason"]
    )
    obligation = await obligation_of(client, helpers, cases[0].case_id)
    assert obligation["status"] == "excluded" and obligation["basis"] == ["REV-5", "REV-12"]
    assessment = await assessment_of(client, helpers, lead)
    assert assessment["unqualified_count"] == 2 and assessment["consequence"] == "no_commendation"
    assert assessment["announced"] == ["criticism", "no_commendation"] and assessment["withdrawn"] == ["suspension"]
    assert assessment["basis"] == ["REV-8", "REV-12"]

    [withdrawn] = await helpers.events(app, "review.officer_sanction_withdrawn")
    assert withdrawn["data"]["officer_id"] == str(lead) and withdrawn["data"]["level"] == "suspension"
    assert withdrawn["data"]["basis"] == ["REV-12", "REV-8"] and withdrawn["data"]["unqualified_count"] == 2
    assert withdrawn["data"]["policy_id"] and withdrawn["data"]["reason"]
    [voided_event] = await helpers.events(app, "review.voided")
    assert voided_event["data"]["review_id"] == reviews[0]["id"] and voided_event["data"]["basis"] == ["REV-12"]
    assert len(await helpers.events(app, "review.obligation_excluded")) == 1

    # The handler again, without the inbox: nothing changes, nothing is emitted twice.
    await apply_without_inbox(app, remedy)
    assert len(await helpers.events(app, "review.officer_sanction_withdrawn")) == 1
    assert len(await helpers.events(app, "review.voided")) == 1
    assert (await assessment_of(client, helpers, lead))["unqualified_count"] == 2
    # A third unqualified file reaches the suspension again: announced anew.
    fourth = helpers.closed(lead, closed_on)
    await deliver(fourth)
    await self_review(
        client, helpers, fourth.case_id, basic={**helpers.basic_ok, "facts_clear": False}, problems=["证据不足"]
    )
    assert [e["data"]["level"] for e in await helpers.events(app, "review.officer_sanctioned")][-1] == "suspension"
    await assert_outbox_matches_schemas(app)


async def test_REV_12_a_remedy_filed_after_completion_does_not_exclude_the_file(app, client, deliver, helpers) -> None:
    lead = uuid.uuid4()
    case = helpers.closed(lead, today() - timedelta(days=20))
    await deliver(case)
    done = await self_review(
        client, helpers, case.case_id, basic={**helpers.basic_ok, "facts_clear": False}, problems=["事实不清"]
    )
    async with app.state.sessions() as session, session.begin():  # completed ten days ago
        await session.execute(
            text("UPDATE reviews SET completed_at = now() - interval '10 days' WHERE id = :id"), {"id": done["id"]}
        )
    await deliver(helpers.remedy_for(case, "litigation", filed_on=today() - timedelta(days=3)))
    review = (await client.get(f"/api/v1/reviews/{done['id']}", headers=helpers.headers("legal_affairs"))).json()
    assert review["status"] == "completed" and review["voided"] is None
    assert (await obligation_of(client, helpers, case.case_id))["status"] == "reviewed"
    assessment = await assessment_of(client, helpers, lead)
    assert assessment["unqualified_count"] == 1 and assessment["consequence"] == "criticism"
    assert assessment["withdrawn"] == []
    assert (
        await helpers.events(app, "review.voided") == []
        and await helpers.events(app, "review.officer_sanction_withdrawn") == []
    )


async def test_REV_12_a_remedy_arriving_while_the_completing_signature_runs_never_leaves_the_review_standing(
    app, client, deliver, helpers
) -> None:
    for _ in range(3):
        case = helpers.closed(uuid.uuid4(), today() - timedelta(days=10))
        await deliver(case)
        assert (await helpers.transfer(client, case.case_id)).status_code == 200
        created = await client.post(
            "/api/v1/reviews",
            json={
                "case_id": str(case.case_id),
                "kind": "self",
                "reviewer_ids": [str(helpers.reviewer)],
                "basic": {**helpers.basic_ok, "facts_clear": False},
                "problems": ["事实不清"],
            },
            headers=helpers.headers("legal_affairs"),
        )
        url = f"/api/v1/reviews/{created.json()['id']}/signatures"
        await client.post(url, json={"role": "legal_affairs_head"}, headers=helpers.headers("legal_affairs"))
        signed, delivered = await asyncio.gather(
            client.post(url, json={"role": "reviewed_unit_head"}, headers=helpers.headers("unit_leader")),
            deliver(helpers.remedy_for(case, "reconsideration", filed_on=today() - timedelta(days=2))),
        )
        assert delivered == [True] and signed.status_code in (200, 422), signed.text
        review = (await client.get(url.removesuffix("/signatures"), headers=helpers.headers("legal_affairs"))).json()
        assert review["status"] in ("voided", "awaiting_signatures"), "never completed under an earlier remedy"
        assert (await obligation_of(client, helpers, case.case_id))["status"] == "excluded"


# --- REV-5 ------------------------------------------------------------------------------------


async def test_REV_5_a_transfer_cannot_be_in_the_future_or_before_the_closure(client, deliver, helpers) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=5))
    await deliver(case)
    for bad in (today() + timedelta(days=1), case.closed_on - timedelta(days=1)):
        refused = await helpers.transfer(client, case.case_id, on=bad)
        assert refused.status_code == 422 and refused.json()["code"] == "obligation.invalid_date"
        assert refused.json()["basis"] == ["REV-5"] and refused.json()["errors"][0]["loc"] == ["body", "submitted_on"]
    on_time = await helpers.transfer(client, case.case_id, on=case.closed_on + timedelta(days=1))
    assert on_time.status_code == 200 and on_time.json()["status"] == "submitted"
    assert on_time.json()["days_late"] is None and on_time.json()["deadline"]["status"] == "met"


async def test_REV_5_a_late_transfer_is_submitted_late_and_stays_overdue_in_compliance(
    app, client, deliver, helpers
) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=40))  # due 10 days ago
    await deliver(case)
    late = await helpers.transfer(client, case.case_id, on=today())  # before the scanner ever ran
    assert late.status_code == 200
    body = late.json()
    assert body["status"] == "submitted_late" and body["days_late"] == 10
    assert body["deadline"] == {
        "kind": "self_review_transfer",
        "due_on": body["due_on"],
        "status": "met_late",
        "met_on": today().isoformat(),
        "days_late": 10,
        "basis": ["REV-5"],
        "policy_id": body["policy_id"],
    }
    listed = (
        await client.get(
            "/api/v1/obligations", params={"status": "submitted_late"}, headers=helpers.headers("legal_affairs")
        )
    ).json()["items"]
    assert [o["case_id"] for o in listed] == [str(case.case_id)]
    # The breach is recorded once even though it was cured before the scanner ran.
    assert await overdue_scanner(60).scan_once(app.state.sessions) == 1
    assert await overdue_scanner(60).scan_once(app.state.sessions) == 0
    await self_review(client, helpers, case.case_id, transfer=False)
    reviewed = await obligation_of(client, helpers, case.case_id)
    assert reviewed["status"] == "reviewed" and reviewed["days_late"] == 10
    assert reviewed["deadline"]["status"] == "met_late", "a breach stays visible after cure"
    compliance = (
        await client.get(
            "/api/v1/compliance",
            params={"unit_id": str(helpers.unit), "year": case.closed_on.year},
            headers=helpers.headers("legal_affairs"),
        )
    ).json()
    assert compliance["reviewed"] == 1 and compliance["overdue"] == 1 and compliance["transferred_late"] == 1
    assert compliance["overdue_pending"] == 0


async def test_REV_5_a_transfer_cannot_be_back_dated_before_the_overdue_record(app, client, deliver, helpers) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=40))
    await deliver(case)
    assert await overdue_scanner(60).scan_once(app.state.sessions) == 1  # recorded overdue today
    back_dated = await helpers.transfer(client, case.case_id, on=case.closed_on + timedelta(days=5))
    assert back_dated.status_code == 422 and back_dated.json()["basis"] == ["REV-5"]
    assert (await obligation_of(client, helpers, case.case_id))["status"] == "overdue"
    late = await helpers.transfer(client, case.case_id, on=today())
    assert late.status_code == 200 and late.json()["status"] == "submitted_late"


async def test_REV_5_a_self_review_cannot_complete_before_the_file_is_transferred(
    app, client, deliver, helpers
) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=3))
    await deliver(case)
    created = await client.post(
        "/api/v1/reviews",
        json={
            "case_id": str(case.case_id),
            "kind": "self",
            "reviewer_ids": [str(helpers.reviewer)],
            "basic": helpers.basic_ok,
        },
        headers=helpers.headers("legal_affairs"),
    )
    url = f"/api/v1/reviews/{created.json()['id']}/signatures"
    first = await client.post(url, json={"role": "legal_affairs_head"}, headers=helpers.headers("legal_affairs"))
    assert first.status_code == 200
    refused = await client.post(url, json={"role": "reviewed_unit_head"}, headers=helpers.headers("unit_leader"))
    assert refused.status_code == 409 and refused.json()["code"] == "review.file_not_transferred"
    assert refused.json()["basis"] == ["REV-5"] and await helpers.events(app, "review.completed") == []
    assert (await helpers.transfer(client, case.case_id)).status_code == 200
    done = await client.post(url, json={"role": "reviewed_unit_head"}, headers=helpers.headers("unit_leader"))
    assert done.status_code == 200 and done.json()["status"] == "completed"


# --- REV-7 ------------------------------------------------------------------------------------


async def test_REV_7_an_unqualified_review_must_list_at_least_one_problem(client, deliver, helpers) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=3))
    await deliver(case)
    body = {
        "case_id": str(case.case_id),
        "kind": "spot",
        "reviewer_ids": [str(helpers.reviewer)],
        "basic": {**helpers.basic_ok, "facts_clear": False},
    }
    for problems in ([], ["   "]):
        refused = await client.post(
            "/api/v1/reviews", json={**body, "problems": problems}, headers=helpers.headers("legal_affairs")
        )
        assert refused.status_code == 422 and refused.json()["code"] == "review.problems_required"
        assert "REV-7" in refused.json()["basis"]
    listed = await client.post(
        "/api/v1/reviews", json={**body, "problems": ["认定事实不清"]}, headers=helpers.headers("legal_affairs")
    )
    assert listed.status_code == 201 and listed.json()["grade"] == "unqualified"
    qualified = await client.post(
        "/api/v1/reviews",
        json={**body, "basic": helpers.basic_ok, "problems": []},
        headers=helpers.headers("legal_affairs"),
    )
    assert qualified.status_code == 201 and qualified.json()["grade"] == "excellent", "no problem to list"


# --- item 8: ids in write bodies --------------------------------------------------------------


async def test_reviewer_ids_must_be_known_officers_in_the_callers_scope(app, client, deliver, helpers) -> None:
    sibling = uuid.uuid4()
    await deliver(UnitCreated(unit_id=sibling, code="SIB", name="西关镇", kind="township", parent_id=None))
    foreign = uuid.uuid4()
    await deliver(helpers.registered(foreign, sibling, "西关法制员"))
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=3))
    await deliver(case)
    body = {"case_id": str(case.case_id), "kind": "self", "basic": helpers.basic_ok}
    answers = []
    for reviewers in ([uuid.uuid4()], [foreign], [helpers.reviewer, foreign]):
        response = await client.post(
            "/api/v1/reviews",
            json={**body, "reviewer_ids": [str(r) for r in reviewers]},
            headers=helpers.headers("legal_affairs"),
        )
        assert response.status_code == 404, response.text
        answers.append((response.json()["code"], response.json()["detail"]))
    sibling_case = helpers.closed(uuid.uuid4(), today() - timedelta(days=3), unit=sibling)
    await deliver(sibling_case)
    case_answers = []
    for case_id in (sibling_case.case_id, uuid.uuid4()):  # the case id in the body, likewise
        response = await client.post(
            "/api/v1/reviews",
            json={**body, "case_id": str(case_id), "reviewer_ids": [str(helpers.reviewer)]},
            headers=helpers.headers("legal_affairs"),
        )
        assert response.status_code == 404, response.text
        case_answers.append((response.json()["code"], response.json()["detail"]))
    assert len(set(answers)) == 1, "the same answer whether the officer does not exist or is out of scope"
    assert len(set(case_answers)) == 1, "the same answer whether the case does not exist or is out of scope"
    assert "西关" not in str(answers)
    accepted = await client.post(
        "/api/v1/reviews",
        json={**body, "reviewer_ids": [str(helpers.reviewer)]},
        headers=helpers.headers("legal_affairs"),
    )
    assert accepted.status_code == 201 and accepted.json()["reviewer_ids"] == [str(helpers.reviewer)]
    # County-wide (司法局): an officer of any unit, but still one that exists.
    bureau = helpers.headers("justice_bureau")
    other = helpers.closed(uuid.uuid4(), today() - timedelta(days=3))
    await deliver(other)
    hierarchical = {**body, "case_id": str(other.case_id), "kind": "hierarchical"}
    assert (
        await client.post("/api/v1/reviews", json={**hierarchical, "reviewer_ids": [str(foreign)]}, headers=bureau)
    ).status_code == 201
    assert (
        await client.post("/api/v1/reviews", json={**hierarchical, "reviewer_ids": [str(uuid.uuid4())]}, headers=bureau)
    ).status_code == 404


async def test_unit_ids_in_summary_and_inspection_bodies_must_exist_and_be_in_scope(client, helpers) -> None:
    unknown = str(uuid.uuid4())
    period = f"{today().year - 1}H2"
    for path, body, headers in (
        (
            "/api/v1/summaries",
            {"unit_id": unknown, "period": period},
            helpers.headers("legal_affairs", "admin", unit=None),
        ),
        ("/api/v1/summaries", {"unit_id": unknown, "period": period}, helpers.headers("legal_affairs")),
        ("/api/v1/inspections", {"unit_id": unknown, "year": today().year}, helpers.headers("justice_bureau")),
    ):
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == 404 and response.json()["code"] == "resource.not_found", response.text
    own = await client.post(
        "/api/v1/summaries",
        json={"unit_id": str(helpers.unit), "period": period},
        headers=helpers.headers("legal_affairs"),
    )
    assert own.status_code == 201, own.text


async def test_REV_12_a_voided_review_leaves_its_notice_marked_void_and_its_file_out_of_the_exemplary_list(
    client, deliver, helpers
) -> None:
    """REV-12 with REV-7 and REV-16: the written notice to the lead handler stays as sent but
    reads voided (with reason and basis); an excellent file selected for learning exchange is no
    longer offered once its review is voided — kept, and listed with include_voided=true."""
    lead = uuid.uuid4()
    closed_on = today() - timedelta(days=20)
    case = helpers.closed(lead, closed_on)
    await deliver(case)
    review = await self_review(client, helpers, case.case_id)
    assert review["status"] == "completed" and review["grade"] == "excellent", review
    legal = helpers.headers("legal_affairs")
    selected = await client.post(f"/api/v1/reviews/{review['id']}/exemplary", json={"note": "文书规范"}, headers=legal)
    assert selected.status_code == 201, selected.text

    async def notices() -> list[dict]:
        answer = await client.get("/api/v1/notifications", params={"officer_id": str(lead)}, headers=legal)
        return answer.json()["items"]

    async def exemplary(**params) -> list[dict]:
        answer = await client.get("/api/v1/exemplary-files", params=params, headers=legal)
        return [e for e in answer.json()["items"] if e["review_id"] == review["id"]]

    [notice] = await notices()
    assert notice["voided"] is None and len(await exemplary()) == 1
    await deliver(helpers.remedy_for(case, "litigation", filed_on=closed_on + timedelta(days=2)))
    [notice] = await notices()
    assert notice["grade"] == "excellent", "the notice stands as sent"
    assert notice["voided"]["basis"] == ["REV-12"] and "行政诉讼" in notice["voided"]["reason"]
    assert await exemplary() == []
    [kept] = await exemplary(include_voided="true")
    assert kept["voided"]["basis"] == ["REV-12"] and kept["basis"] == ["REV-16"]
