"""Summaries (REV-9), compliance (REV-6, REV-17), inspections (REV-10, REV-11), exemplary files (REV-16)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from enforcement_common.api.tables import unit_tree
from enforcement_common.calendar import today
from review_service import rules
from review_service.summaries.deadlines import ensure_summary_rows, summary_overdue_scanner

BASIC_OK = {
    "subject_lawful": True,
    "facts_clear": True,
    "evidence_conclusive": True,
    "procedure_lawful": True,
    "law_correctly_applied": True,
    "act_appropriate": True,
}


async def complete_review(client, helpers, case_id, *, basic=None, deduction=0, problems=()) -> dict:
    body = {
        "case_id": str(case_id),
        "kind": "self",
        "reviewer_ids": [str(helpers.reviewer)],
        "basic": basic or BASIC_OK,
        "general": {"decision": {"deduction": deduction}},
        "problems": list(problems),
    }
    review = (await client.post("/api/v1/reviews", json=body, headers=helpers.headers("legal_affairs"))).json()
    await helpers.transfer(client, case_id)  # REV-5: on the closing day, within the period
    await client.post(
        f"/api/v1/reviews/{review['id']}/signatures",
        json={"role": "legal_affairs_head"},
        headers=helpers.headers("legal_affairs"),
    )
    return (
        await client.post(
            f"/api/v1/reviews/{review['id']}/signatures",
            json={"role": "reviewed_unit_head"},
            headers=helpers.headers("unit_leader"),
        )
    ).json()


@pytest.mark.unit
def test_REV_9_half_years_and_due_dates() -> None:
    assert rules.half_year("2026H1") == (date(2026, 1, 1), date(2026, 6, 30))
    assert rules.summary_due("2026H2", 15) == date(2027, 1, 15)
    assert rules.periods_ended_before(date(2026, 11, 21), 2026) == ["2026H1"]


@pytest.mark.unit
def test_REV_11_draw_is_reproducible_and_takes_fewer_when_fewer_exist() -> None:
    ledger = {
        "penalty": [f"p{i}" for i in range(12)],
        "license": ["l1", "l2"],
        "coercion": [],
        "levy_or_requisition": ["v1"],
    }
    first = rules.draw(ledger, 5, "seed-1")
    assert first == rules.draw(ledger, 5, "seed-1")
    assert (
        len(first["penalty"]) == 5
        and first["license"] == ["l1", "l2"]
        and first["coercion"] == []
        and first["levy_or_requisition"] == ["v1"]
    )
    assert set(first["penalty"]) <= set(ledger["penalty"])
    assert any(rules.draw(ledger, 5, f"seed-{n}")["penalty"] != first["penalty"] for n in range(2, 6))


async def test_REV_9_summary_generated_from_the_data_submitted_and_overdue_once(app, client, deliver, helpers) -> None:
    _, end = rules.half_year("2026H1")
    for n in range(3):
        case = helpers.closed(uuid.uuid4(), date(2026, 3, 10 + n))
        await deliver(case)
        await complete_review(client, helpers, case.case_id, deduction=5 * n, problems=["送达回证缺失"] if n else [])
    generated = await client.post(
        "/api/v1/summaries",
        json={"unit_id": str(helpers.unit), "period": "2026H1"},
        headers=helpers.headers("legal_affairs"),
    )
    assert generated.status_code == 201, generated.text
    summary = generated.json()
    figures = summary["figures"]
    assert figures["obligations"] == 3 and figures["obligations_by_status"] == {"reviewed": 3}
    assert figures["most_frequent_problems"] == [{"problem": "送达回证缺失", "count": 2}] and summary["basis"] == [
        "REV-9"
    ]
    assert summary["due_on"] == "2026-07-15" and summary["status"] == "overdue"

    # Another unit never submits: the scanner emits one overdue event for it, none twice.
    silent_unit = uuid.uuid4()
    async with app.state.sessions() as session, session.begin():
        await session.execute(
            unit_tree.insert().values(
                unit_id=silent_unit, parent_id=None, code="SILENT", name="未报送单位", kind="township"
            )
        )
    async with app.state.sessions() as session, session.begin():
        await ensure_summary_rows(session, 2026)  # 15 days: the platform policy (REV-9)
    scanner = summary_overdue_scanner(60)
    emitted = await scanner.scan_once(app.state.sessions)
    submitted = await client.post(
        f"/api/v1/summaries/{summary['id']}/submission",
        json={"submitted_on": (end + timedelta(days=20)).isoformat()},
        headers=helpers.headers("legal_affairs"),
    )
    assert submitted.json()["status"] == "submitted"
    assert await scanner.scan_once(app.state.sessions) == 0
    async with app.state.sessions() as session:
        overdue = (
            (await session.execute(text("SELECT payload FROM outbox WHERE event_type = 'review.summary_overdue'")))
            .scalars()
            .all()
        )
        sent = (
            await session.execute(text("SELECT count(*) FROM outbox WHERE event_type = 'review.summary_submitted'"))
        ).scalar()
    assert emitted == len(overdue) == 2 and {o["data"]["unit_id"] for o in overdue} == {
        str(helpers.unit),
        str(silent_unit),
    }
    assert sent == 1

    again = await client.post(
        "/api/v1/summaries",
        json={"unit_id": str(helpers.unit), "period": "2026H1"},
        headers=helpers.headers("legal_affairs"),
    )
    assert again.status_code == 409 and again.json()["basis"] == ["REV-9"]
    assert (
        await client.post(
            "/api/v1/summaries",
            json={"unit_id": str(helpers.unit), "period": "2026H3"},
            headers=helpers.headers("legal_affairs"),
        )
    ).status_code == 422


async def test_REV_6_self_review_rate_and_REV_17_flag(client, deliver, helpers) -> None:
    year = today().year
    done, pending, excluded = (helpers.closed(uuid.uuid4(), today() - timedelta(days=d)) for d in (40, 40, 40))
    for case in (done, pending, excluded):
        await deliver(case)
    await deliver(helpers.remedy_for(excluded, "litigation"))
    before = (
        await client.get(
            "/api/v1/compliance",
            params={"unit_id": str(helpers.unit), "year": year},
            headers=helpers.headers("legal_affairs"),
        )
    ).json()
    assert before["rev17_flag"] is True and before["self_review_rate"] == 0.0 and before["overdue"] == 2, (
        "no self-review done: flagged"
    )
    await complete_review(client, helpers, done.case_id)
    after = (
        await client.get(
            "/api/v1/compliance",
            params={"unit_id": str(helpers.unit), "year": year},
            headers=helpers.headers("legal_affairs"),
        )
    ).json()
    assert after["obligations"] == 3 and after["excluded"] == 1 and after["reviewed"] == 1 and after["overdue"] == 1
    # REV-17 flags a rate below the policy target (100%), not only a unit with no review (issue 11 item 7:
    # this assertion used to read rev17_flag False at 50%).
    assert after["self_review_rate"] == 0.5 and after["meets_target"] is False and after["rev17_flag"] is True
    assert after["target_rate"] == 1.0 and {"REV-6", "REV-17"} <= set(after["basis"])


async def test_REV_10_REV_11_inspection_draws_up_to_5_per_category_reproducibly(app, client, deliver, helpers) -> None:
    year = today().year
    closed = today() - timedelta(days=3)
    penalty = [helpers.closed(uuid.uuid4(), closed) for _ in range(8)]
    for case in penalty:
        await deliver(case)
    levy = helpers.closed(uuid.uuid4(), closed).model_copy(update={"category": "levy"})
    await deliver(levy)
    await deliver(helpers.remedy_for(penalty[0], "reconsideration"))  # excluded: never drawn
    bureau = helpers.headers("justice_bureau")
    drawn = (
        await client.post(
            "/api/v1/inspections",
            json={"unit_id": str(helpers.unit), "year": year, "seed": "2026-county-draw"},
            headers=bureau,
        )
    ).json()
    assert str(penalty[0].case_id) not in drawn["ledger"]["penalty"] and len(drawn["ledger"]["penalty"]) == 7
    assert len(drawn["drawn"]["penalty"]) == 5 and drawn["drawn"]["levy_or_requisition"] == [str(levy.case_id)]
    assert drawn["drawn"]["license"] == [] and drawn["basis"] == ["REV-10", "REV-11"]
    verification = (await client.get(f"/api/v1/inspections/{drawn['id']}/verification", headers=bureau)).json()
    assert verification["reproducible"] is True and verification["redrawn"] == drawn["drawn"]
    same_seed = (
        await client.post(
            "/api/v1/inspections",
            json={"unit_id": str(helpers.unit), "year": year, "seed": "2026-county-draw"},
            headers=bureau,
        )
    ).json()
    assert same_seed["drawn"] == drawn["drawn"] and same_seed["id"] != drawn["id"], (
        "a second draw is a new recorded inspection"
    )
    fresh = (
        await client.post("/api/v1/inspections", json={"unit_id": str(helpers.unit), "year": year}, headers=bureau)
    ).json()
    assert fresh["seed"] and fresh["seed"] != drawn["seed"]
    listed = (await client.get("/api/v1/inspections", params={"unit_id": str(helpers.unit)}, headers=bureau)).json()[
        "items"
    ]
    assert len(listed) == 3
    assert (
        await client.post(
            "/api/v1/inspections",
            json={"unit_id": str(helpers.unit), "year": year},
            headers=helpers.headers("legal_affairs"),
        )
    ).status_code == 403
    async with app.state.sessions() as session:
        events = (
            (await session.execute(text("SELECT payload FROM outbox WHERE event_type = 'review.inspection_drawn'")))
            .scalars()
            .all()
        )
    assert len(events) == 3 and events[0]["data"]["seed"] == "2026-county-draw"


async def test_REV_16_only_excellent_completed_files_are_exemplary(client, deliver, helpers) -> None:
    good, fair = (helpers.closed(uuid.uuid4(), today() - timedelta(days=2)) for _ in range(2))
    await deliver(good)
    await deliver(fair)
    excellent = await complete_review(client, helpers, good.case_id)
    qualified = await complete_review(client, helpers, fair.case_id, deduction=20)
    assert excellent["grade"] == "excellent" and qualified["grade"] == "qualified"
    chosen = await client.post(
        f"/api/v1/reviews/{excellent['id']}/exemplary",
        json={"note": "证据链完整"},
        headers=helpers.headers("legal_affairs"),
    )
    assert chosen.status_code == 201 and chosen.json()["basis"] == ["REV-16"]
    refused = await client.post(
        f"/api/v1/reviews/{qualified['id']}/exemplary", json={}, headers=helpers.headers("legal_affairs")
    )
    assert refused.status_code == 422 and refused.json()["basis"] == ["REV-16"]
    assert (
        await client.post(
            f"/api/v1/reviews/{excellent['id']}/exemplary", json={}, headers=helpers.headers("legal_affairs")
        )
    ).status_code == 409
    listed = (await client.get("/api/v1/exemplary-files", headers=helpers.headers("officer"))).json()["items"]
    assert [e["case_id"] for e in listed] == [str(good.case_id)]


async def test_oversight_events_validate_against_their_schemas(app, client, deliver, helpers) -> None:
    import jsonschema

    from enforcement_common.contracts import event_model_for
    from enforcement_common.contracts.documents import event_schema

    case = helpers.closed(uuid.uuid4(), date(2026, 2, 10))
    await deliver(case)
    await complete_review(client, helpers, case.case_id)
    summary = (
        await client.post(
            "/api/v1/summaries",
            json={"unit_id": str(helpers.unit), "period": "2026H1"},
            headers=helpers.headers("legal_affairs"),
        )
    ).json()
    await client.post(
        f"/api/v1/summaries/{summary['id']}/submission",
        json={"submitted_on": "2026-07-20"},
        headers=helpers.headers("legal_affairs"),
    )
    await client.post(
        "/api/v1/inspections",
        json={"unit_id": str(helpers.unit), "year": 2026},
        headers=helpers.headers("justice_bureau"),
    )
    async with app.state.sessions() as session, session.begin():
        await session.execute(
            unit_tree.insert().values(
                unit_id=uuid.uuid4(), parent_id=None, code="LATE", name="迟报单位", kind="township"
            )
        )
    async with app.state.sessions() as session, session.begin():
        await ensure_summary_rows(session, 2026)  # 15 days: the platform policy (REV-9)
    await summary_overdue_scanner(60).scan_once(app.state.sessions)
    async with app.state.sessions() as session:
        payloads = (await session.execute(text("SELECT payload FROM outbox"))).scalars().all()
    assert {p["type"] for p in payloads} >= {
        "review.summary_submitted",
        "review.summary_overdue",
        "review.inspection_drawn",
    }
    for payload in payloads:
        jsonschema.validate(
            payload, event_schema(event_model_for(payload["type"])), format_checker=jsonschema.FormatChecker()
        )


async def test_REV_10_an_inspection_of_an_unknown_unit_is_404(client, helpers) -> None:
    response = await client.post(
        "/api/v1/inspections",
        json={"unit_id": str(uuid.uuid4()), "year": today().year},
        headers=helpers.headers("justice_bureau"),
    )
    assert response.status_code == 404 and response.json()["code"] == "resource.not_found"


async def test_REV_12_a_file_whose_remedy_came_after_its_self_review_is_not_drawn(
    app, client, deliver, helpers
) -> None:
    closed = today() - timedelta(days=3)
    reviewed_then_sued = helpers.closed(uuid.uuid4(), closed)
    plain = helpers.closed(uuid.uuid4(), closed)
    for case in (reviewed_then_sued, plain):
        await deliver(case)
    async with app.state.sessions() as session, session.begin():  # its self-review was completed
        await session.execute(
            text("UPDATE obligations SET status = 'reviewed' WHERE case_id = :id"), {"id": reviewed_then_sued.case_id}
        )
    await deliver(helpers.remedy_for(reviewed_then_sued, "litigation"))
    drawn = (
        await client.post(
            "/api/v1/inspections",
            json={"unit_id": str(helpers.unit), "year": today().year},
            headers=helpers.headers("justice_bureau"),
        )
    ).json()
    assert drawn["ledger"]["penalty"] == [str(plain.case_id)]


async def test_REV_9_two_concurrent_submissions_of_a_summary_submit_it_once(app, client, helpers) -> None:
    period = f"{today().year - 1}H2"
    headers = helpers.headers("legal_affairs")
    generated = await client.post(
        "/api/v1/summaries", json={"unit_id": str(helpers.unit), "period": period}, headers=headers
    )
    assert generated.status_code == 201, generated.text
    on = rules.half_year(period)[1] + timedelta(days=1)
    submissions = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/summaries/{generated.json()['id']}/submission",
                json={"submitted_on": on.isoformat()},
                headers=headers,
            )
            for _ in range(2)
        )
    )
    assert sorted(r.status_code for r in submissions) == [200, 409]
    async with app.state.sessions() as session:
        sent = await session.scalar(text("SELECT count(*) FROM outbox WHERE event_type = 'review.summary_submitted'"))
    assert sent == 1


async def test_REV_9_a_summary_is_refused_for_a_half_year_not_yet_ended_or_a_unit_that_does_not_exist(
    client, helpers
) -> None:
    legal = helpers.headers("legal_affairs")
    current = f"{today().year}H{1 if today().month <= 6 else 2}"
    not_ended = await client.post(
        "/api/v1/summaries", json={"unit_id": str(helpers.unit), "period": current}, headers=legal
    )
    assert not_ended.status_code == 422 and not_ended.json()["code"] == "summary.period_not_ended", not_ended.text
    assert not_ended.json()["basis"] == ["REV-9"]
    ended = "2026H1"
    nowhere_unit = uuid.uuid4()
    for caller in (legal, helpers.headers("legal_affairs", unit=nowhere_unit)):
        # A random id is no unit, even in a token that claims it: 404, as for one outside the scope.
        nowhere = await client.post(
            "/api/v1/summaries", json={"unit_id": str(nowhere_unit), "period": ended}, headers=caller
        )
        assert nowhere.status_code == 404 and nowhere.json()["code"] == "resource.not_found", nowhere.text
    allowed = await client.post(
        "/api/v1/summaries", json={"unit_id": str(helpers.unit), "period": ended}, headers=legal
    )
    assert allowed.status_code == 201, allowed.text
