"""review-service on the real test PostgreSQL: obligations from case events (REV-5, REV-12),
reviews, grades and signatures (REV-7, REV-13–15), annual consequences (REV-8)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import jsonschema
from sqlalchemy import text

from enforcement_common.api.tables import unit_tree
from enforcement_common.calendar import today
from enforcement_common.contracts import event_model_for
from enforcement_common.contracts.documents import event_schema
from enforcement_common.testing.delivery import apply_without_inbox
from review_service.obligations.deadlines import overdue_scanner

BASIC_OK = {
    "subject_lawful": True,
    "facts_clear": True,
    "evidence_conclusive": True,
    "procedure_lawful": True,
    "law_correctly_applied": True,
    "act_appropriate": True,
}


async def events(app, event_type: str) -> list[dict]:
    async with app.state.sessions() as session:
        return list(
            (
                await session.execute(
                    text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY id"), {"t": event_type}
                )
            ).scalars()
        )


async def obligation_of(client, helpers, case_id) -> dict:
    items = (
        await client.get(
            "/api/v1/obligations", params={"case_id": str(case_id)}, headers=helpers.headers("legal_affairs")
        )
    ).json()["items"]
    assert len(items) == 1
    return items[0]


async def review(client, helpers, case_id, *, basic=None, deduction=0, kind="self", sign=True) -> dict:
    body = {
        "case_id": str(case_id),
        "kind": kind,
        "reviewer_ids": [str(helpers.reviewer)],
        "basic": basic or BASIC_OK,
        "general": {"filing": {"deduction": deduction, "notes": "立案审批表填写不全"}},
        # REV-7: an unqualified file lists its problems (a basic standard failed, or points deducted).
        "problems": ["立案审批表填写不全"] if deduction or basic else [],
    }
    created = await client.post("/api/v1/reviews", json=body, headers=helpers.headers("legal_affairs"))
    assert created.status_code == 201, created.text
    result = created.json()
    if sign and kind == "self":  # REV-5: the file transferred before the self-review completes
        await helpers.transfer(client, case_id)
    if sign:
        await client.post(
            f"/api/v1/reviews/{result['id']}/signatures",
            json={"role": "legal_affairs_head"},
            headers=helpers.headers("legal_affairs"),
        )
        result = (
            await client.post(
                f"/api/v1/reviews/{result['id']}/signatures",
                json={"role": "reviewed_unit_head"},
                headers=helpers.headers("unit_leader"),
            )
        ).json()
    return result


async def test_REV_5_case_closed_creates_an_obligation_due_in_30_days_once(app, client, deliver, helpers) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=3))
    assert await deliver(case, times=2) == [True, False], "the second delivery is skipped"
    obligation = await obligation_of(client, helpers, case.case_id)
    assert obligation["due_on"] == (case.closed_on + timedelta(days=30)).isoformat()
    assert obligation["status"] == "pending" and obligation["basis"] == ["REV-5"]
    created = await events(app, "review.obligation_created")
    assert len(created) == 1 and created[0]["data"]["basis"] == ["REV-5"]


async def test_REV_5_overdue_obligation_is_flagged_and_emitted_exactly_once(app, client, deliver, helpers) -> None:
    late = helpers.closed(uuid.uuid4(), today() - timedelta(days=31))
    fresh = helpers.closed(uuid.uuid4(), today() - timedelta(days=29))
    await deliver(late)
    await deliver(fresh)
    assert (await obligation_of(client, helpers, late.case_id))["status"] == "overdue"
    assert (await obligation_of(client, helpers, fresh.case_id))["status"] == "pending"
    scanner = overdue_scanner(60)
    assert sum(await asyncio.gather(*(scanner.scan_once(app.state.sessions) for _ in range(3)))) == 1
    assert await scanner.scan_once(app.state.sessions) == 0
    assert [e["data"]["case_id"] for e in await events(app, "review.obligation_overdue")] == [str(late.case_id)]


async def test_REV_5_submission_by_the_lead_handler(client, deliver, helpers) -> None:
    lead = uuid.uuid4()
    case = helpers.closed(lead, today() - timedelta(days=2))
    await deliver(case)
    obligation = await obligation_of(client, helpers, case.case_id)
    url = f"/api/v1/obligations/{obligation['id']}/submission"
    body = {"submitted_on": today().isoformat()}
    other = await client.post(url, json=body, headers=helpers.headers("officer", officer=uuid.uuid4()))
    assert other.status_code == 403 and other.json()["code"] == "obligation.not_the_handler"
    stale = await client.post(url, json=body, headers={**helpers.headers("officer", officer=lead), "If-Match": '"7"'})
    assert stale.status_code == 412
    submitted = await client.post(url, json=body, headers=helpers.headers("officer", officer=lead))
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    again = await client.post(url, json=body, headers=helpers.headers("officer", officer=lead))
    assert again.status_code == 409


async def test_REV_12_remedy_filed_before_the_closure_excludes_the_obligation_at_birth(
    app, client, deliver, helpers
) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=2))
    await deliver(helpers.remedy_for(case, "litigation"))  # while the case is still under way
    await deliver(case)
    obligation = await obligation_of(client, helpers, case.case_id)
    assert obligation["status"] == "excluded" and obligation["exclusion_reason"] == "行政诉讼"
    assert len(await events(app, "review.obligation_excluded")) == 1
    spot = await client.post(
        "/api/v1/reviews",
        json={"case_id": str(case.case_id), "kind": "spot", "reviewer_ids": [str(helpers.reviewer)], "basic": BASIC_OK},
        headers=helpers.headers("legal_affairs"),
    )
    assert spot.status_code == 422 and spot.json()["basis"] == ["REV-12"], "no kind of review for an excluded case"


async def test_REV_7_signatures_need_the_right_role_and_two_people(client, deliver, helpers) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=2))
    await deliver(case)
    created = await review(client, helpers, case.case_id, sign=False)
    url = f"/api/v1/reviews/{created['id']}/signatures"
    wrong_role = await client.post(url, json={"role": "reviewed_unit_head"}, headers=helpers.headers("legal_affairs"))
    assert wrong_role.status_code == 403 and wrong_role.json()["basis"] == ["REV-7"]
    both_roles = helpers.headers("legal_affairs", "unit_leader")
    assert (await client.post(url, json={"role": "legal_affairs_head"}, headers=both_roles)).status_code == 200
    same_person = await client.post(url, json={"role": "reviewed_unit_head"}, headers=both_roles)
    assert same_person.status_code == 409 and same_person.json()["code"] == "review.same_signer"


async def test_REV_7_the_reviewed_unit_head_is_the_head_of_that_unit_not_of_one_above(
    app, client, deliver, helpers
) -> None:
    section = uuid.uuid4()
    async with app.state.sessions() as session, session.begin():
        await session.execute(
            unit_tree.insert().values(unit_id=section, parent_id=helpers.unit, code="SEC", name="中队", kind="section")
        )
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=2), unit=section)
    await deliver(case)
    created = await review(client, helpers, case.case_id, sign=False)
    url = f"/api/v1/reviews/{created['id']}/signatures"
    above = await client.post(url, json={"role": "reviewed_unit_head"}, headers=helpers.headers("unit_leader"))
    assert above.status_code == 403 and above.json()["code"] == "review.not_the_reviewed_unit"
    own = await client.post(
        url, json={"role": "reviewed_unit_head"}, headers=helpers.headers("unit_leader", unit=section)
    )
    assert own.status_code == 200, own.text


async def test_REV_8_one_file_counts_once_and_only_self_reviews_count(app, client, deliver, helpers) -> None:
    lead = uuid.uuid4()
    case = helpers.closed(lead, today() - timedelta(days=2))
    await deliver(case)
    failing = {**BASIC_OK, "procedure_lawful": False}
    await review(client, helpers, case.case_id, basic=failing, kind="hierarchical")
    await review(client, helpers, case.case_id, basic=failing, kind="spot")
    assessments = (
        await client.get(
            "/api/v1/assessments", params={"officer_id": str(lead)}, headers=helpers.headers("legal_affairs")
        )
    ).json()["items"]
    assert assessments[0]["unqualified_count"] == 0
    await review(client, helpers, case.case_id, basic=failing)  # the self-review
    open_second = await client.post(
        "/api/v1/reviews",
        json={"case_id": str(case.case_id), "kind": "self", "reviewer_ids": [str(helpers.reviewer)], "basic": failing},
        headers=helpers.headers("legal_affairs"),
    )
    assert open_second.status_code == 409
    assessment = (
        await client.get(
            "/api/v1/assessments", params={"officer_id": str(lead)}, headers=helpers.headers("legal_affairs")
        )
    ).json()["items"][0]
    assert assessment["unqualified_count"] == 1 and assessment["consequence"] == "criticism"


async def test_REV_12_remedy_before_the_review_excludes_the_obligation(app, client, deliver, helpers) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=2))
    await deliver(case)
    assert await deliver(helpers.remedy_for(case, "reconsideration"), times=2) == [True, False]
    obligation = await obligation_of(client, helpers, case.case_id)
    assert (
        obligation["status"] == "excluded"
        and obligation["basis"] == ["REV-5", "REV-12"]
        and obligation["exclusion_reason"] == "行政复议"
    )
    assert len(await events(app, "review.obligation_excluded")) == 1
    refused = await client.post(
        "/api/v1/reviews",
        json={"case_id": str(case.case_id), "kind": "self", "reviewer_ids": [str(helpers.reviewer)], "basic": BASIC_OK},
        headers=helpers.headers("legal_affairs"),
    )
    assert refused.status_code == 422 and refused.json()["basis"] == ["REV-12"]


async def test_REV_12_remedy_after_the_review_completed_or_compensation_does_not_exclude(
    app, client, deliver, helpers
) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=8))
    await deliver(case)
    done = await review(client, helpers, case.case_id)
    # REV-12 judges by the filing date: the review completed 5 days ago, the litigation was filed
    # yesterday (the remedy used to be dated the closing day, before completion — which now voids).
    async with app.state.sessions() as session, session.begin():
        await session.execute(
            text("UPDATE reviews SET completed_at = now() - interval '5 days' WHERE id = :id"), {"id": done["id"]}
        )
    await deliver(helpers.remedy_for(case, "litigation", filed_on=today() - timedelta(days=1)))
    assert (await obligation_of(client, helpers, case.case_id))["status"] == "reviewed"
    assert (await client.get(f"/api/v1/reviews/{done['id']}", headers=helpers.headers("legal_affairs"))).json()[
        "status"
    ] == "completed"
    assert await events(app, "review.voided") == []
    # The completed self-review stands, but the file is no longer reviewed: no further review of it.
    further = await client.post(
        "/api/v1/reviews",
        json={
            "case_id": str(case.case_id),
            "kind": "hierarchical",
            "reviewer_ids": [str(helpers.reviewer)],
            "basic": BASIC_OK,
            "general": {},
            "problems": [],
        },
        headers=helpers.headers("justice_bureau"),
    )
    assert further.status_code == 422 and further.json()["code"] == "review.case_excluded"
    assert further.json()["basis"] == ["REV-12"]
    other = helpers.closed(uuid.uuid4(), today() - timedelta(days=2))
    await deliver(other)
    await deliver(helpers.remedy_for(other, "compensation"))
    assert (await obligation_of(client, helpers, other.case_id))["status"] == "pending"
    assert await events(app, "review.obligation_excluded") == []


async def test_REV_13_basic_failure_is_zero_and_unqualified_and_REV_14_deductions(client, deliver, helpers) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=2))
    await deliver(case)
    failed = await review(
        client, helpers, case.case_id, basic={**BASIC_OK, "evidence_conclusive": False}, kind="spot", sign=False
    )
    assert failed["score"] == 0 and failed["grade"] == "unqualified" and "REV-13" in failed["basis"]
    deducted = await review(client, helpers, case.case_id, deduction=12.5, kind="hierarchical", sign=False)
    assert deducted["score"] == 87 and deducted["grade"] == "qualified"


async def test_REV_7_two_signatures_complete_the_review_and_notify_the_lead_handler(
    app, client, deliver, helpers
) -> None:
    lead = uuid.uuid4()
    case = helpers.closed(lead, today() - timedelta(days=2))
    await deliver(case)
    created = await review(client, helpers, case.case_id, deduction=45, sign=False)
    assert (await helpers.transfer(client, case.case_id)).status_code == 200  # REV-5
    one = await client.post(
        f"/api/v1/reviews/{created['id']}/signatures",
        json={"role": "legal_affairs_head"},
        headers=helpers.headers("legal_affairs"),
    )
    assert one.json()["status"] == "awaiting_signatures"
    twice = await client.post(
        f"/api/v1/reviews/{created['id']}/signatures",
        json={"role": "legal_affairs_head"},
        headers=helpers.headers("legal_affairs"),
    )
    assert twice.status_code == 409
    done = (
        await client.post(
            f"/api/v1/reviews/{created['id']}/signatures",
            json={"role": "reviewed_unit_head"},
            headers=helpers.headers("unit_leader"),
        )
    ).json()
    assert (
        done["status"] == "completed"
        and "REV-7" in done["basis"]
        and set(done["signatures"]) == {"legal_affairs_head", "reviewed_unit_head"}
    )
    notices = (
        await client.get("/api/v1/notifications", params={"officer_id": str(lead)}, headers=helpers.headers("officer"))
    ).json()["items"]
    assert [(n["grade"], n["score"], n["problems"]) for n in notices] == [("unqualified", 55, ["立案审批表填写不全"])]
    assert (await obligation_of(client, helpers, case.case_id))["status"] == "reviewed"
    completed, failed = await events(app, "review.completed"), await events(app, "review.failed")
    assert len(completed) == 1 and len(failed) == 1 and failed[0]["data"]["lead_handler_id"] == str(lead)


async def test_REV_8_three_unqualified_files_with_ten_lead_cases_suspend_once(app, client, deliver, helpers) -> None:
    lead = uuid.uuid4()
    cases = [helpers.closed(lead, today() - timedelta(days=5)) for _ in range(10)]
    for case in cases:
        await deliver(case)
    for n, case in enumerate(cases[:4]):
        await review(client, helpers, case.case_id, basic={**BASIC_OK, "facts_clear": False})
        assessment = (
            await client.get(
                "/api/v1/assessments", params={"officer_id": str(lead)}, headers=helpers.headers("legal_affairs")
            )
        ).json()["items"][0]
        assert assessment["lead_cases"] == 10 and assessment["unqualified_count"] == n + 1
        assert assessment["consequence"] == ["criticism", "no_commendation", "suspension", "suspension"][
            n
        ] and assessment["basis"] == ["REV-8"]
    sanctions = await events(app, "review.officer_sanctioned")
    assert [s["data"]["level"] for s in sanctions] == ["criticism", "no_commendation", "suspension"], (
        "once per level reached"
    )
    assert sanctions[-1]["data"]["basis"] == ["REV-8"] and sanctions[-1]["data"]["unqualified_count"] == 3


async def test_REV_8_eleven_lead_cases_go_to_manual_review(app, client, deliver, helpers) -> None:
    lead = uuid.uuid4()
    cases = [helpers.closed(lead, today() - timedelta(days=5)) for _ in range(11)]
    for case in cases:
        await deliver(case)
    for case in cases[:3]:
        await review(client, helpers, case.case_id, basic={**BASIC_OK, "facts_clear": False})
    assessment = (
        await client.get(
            "/api/v1/assessments",
            params={"officer_id": str(lead), "year": today().year},
            headers=helpers.headers("legal_affairs"),
        )
    ).json()["items"][0]
    assert assessment["lead_cases"] == 11 and assessment["consequence"] == "manual_review"
    sanctions = await events(app, "review.officer_sanctioned")
    assert [(s["data"]["level"], s["data"]["unqualified_count"]) for s in sanctions] == [
        ("manual_review", 1),
        ("manual_review", 2),
        ("manual_review", 3),
    ], "flagged again with each further unqualified file, with the current count"


async def test_REV_8_a_suspension_announced_at_ten_lead_cases_stands_and_the_eleventh_flags_it(
    app, client, deliver, helpers
) -> None:
    lead = uuid.uuid4()
    cases = [helpers.closed(lead, today() - timedelta(days=5)) for _ in range(10)]
    for case in cases:
        await deliver(case)
    for case in cases[:3]:
        await review(client, helpers, case.case_id, basic={**BASIC_OK, "facts_clear": False})
    await deliver(helpers.closed(lead, today() - timedelta(days=1)))  # the eleventh lead case of the year
    [assessment] = (
        await client.get(
            "/api/v1/assessments", params={"officer_id": str(lead)}, headers=helpers.headers("legal_affairs")
        )
    ).json()["items"]
    assert assessment["consequence"] == "manual_review"
    assert assessment["announced"] == ["criticism", "no_commendation", "suspension", "manual_review"]
    levels = [s["data"]["level"] for s in await events(app, "review.officer_sanctioned")]
    assert levels == ["criticism", "no_commendation", "suspension", "manual_review"]


async def test_every_emitted_event_validates_against_its_schema(app, client, deliver, helpers) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=40))
    other = helpers.closed(uuid.uuid4(), today() - timedelta(days=2))
    await deliver(case)
    await deliver(other)
    await deliver(helpers.remedy_for(other, "litigation"))
    await overdue_scanner(60).scan_once(app.state.sessions)
    assert (await helpers.transfer(client, case.case_id, on=today())).status_code == 200  # late (REV-5)
    await review(client, helpers, case.case_id, basic={**BASIC_OK, "act_appropriate": False})
    async with app.state.sessions() as session:
        payloads = (await session.execute(text("SELECT payload FROM outbox"))).scalars().all()
    assert {p["type"] for p in payloads} >= {
        "review.obligation_created",
        "review.obligation_overdue",
        "review.obligation_excluded",
        "review.completed",
        "review.failed",
        "review.officer_sanctioned",
    }
    for payload in payloads:
        jsonschema.validate(
            payload, event_schema(event_model_for(payload["type"])), format_checker=jsonschema.FormatChecker()
        )


async def test_scope_and_roles(client, deliver, helpers) -> None:
    case = helpers.closed(uuid.uuid4(), today() - timedelta(days=2))
    await deliver(case)
    obligation = await obligation_of(client, helpers, case.case_id)
    other_unit = helpers.headers("legal_affairs", unit=uuid.uuid4())
    assert (await client.get(f"/api/v1/obligations/{obligation['id']}", headers=other_unit)).status_code == 404
    forbidden = await client.post(
        "/api/v1/reviews",
        json={"case_id": str(case.case_id), "kind": "self", "reviewer_ids": [str(helpers.reviewer)], "basic": BASIC_OK},
        headers=helpers.headers("officer"),
    )
    assert forbidden.status_code == 403


async def test_every_consumed_event_changes_nothing_the_second_time(app, deliver, helpers) -> None:
    from enforcement_common.contracts.case import CaseFiled, OfficerQualificationChanged, OfficerRegistered

    lead = uuid.uuid4()
    case = helpers.closed(lead, today() - timedelta(days=3))
    filed = CaseFiled(
        case_id=case.case_id,
        case_no=case.case_no,
        unit_id=case.unit_id,
        category="penalty",
        lead_handler_id=lead,
        handler_ids=case.handler_ids,
        filed_on=case.filed_on,
        is_major=False,
    )
    officer = OfficerRegistered(
        officer_id=lead,
        unit_id=case.unit_id,
        name="甲",
        staff_type="established",
        certificate_no="C1",
        certificate_expires_on=None,
        qualification_status="active",
    )
    suspended = OfficerQualificationChanged(
        officer_id=lead,
        unit_id=case.unit_id,
        from_status="active",
        to_status="suspended",
        reason="REV-8",
        basis=["REV-8"],
        effective_on=today(),
    )

    async def snapshot() -> tuple:
        async with app.state.sessions() as session:
            state = []
            for table in ("case_views", "officer_views", "obligations", "annual_assessments", "outbox"):
                state.append(
                    [tuple(r) for r in (await session.execute(text(f"SELECT * FROM {table} ORDER BY 1"))).all()]
                )
            return tuple(state)

    for event in (filed, officer, case, helpers.remedy_for(case, "litigation"), suspended):
        assert (await deliver(event))[0] is True
        before = await snapshot()
        # The inbox skips a redelivery (same position) and a replay (new position) alike ...
        assert await deliver(event) == [False], event.type
        assert await deliver(event, replay=True) == [False], event.type
        assert await snapshot() == before, f"{event.type} delivered again changed something"
        # ... so the handler itself runs again without the inbox: its own idempotency on state.
        await apply_without_inbox(app, event)
        assert await snapshot() == before, f"{event.type} applied again without the inbox changed something"
