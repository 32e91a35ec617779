"""Petitions and reports (信访举报) and clarifications (澄清正名), TOL-19, on the real
PostgreSQL: outcomes, feedback and its overdue scanner, clarification rules, and privacy —
an officer named in a petition learns nothing of it through any endpoint, list, audit entry
or event; an anonymous petition leaves no reporter identity anywhere in the database."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from sqlalchemy import text
from tolerance_testing import UNIT, auth, outbox

from enforcement_common.calendar import today
from enforcement_common.testing.outbox import assert_outbox_matches_schemas
from tolerance_service.petitions.deadlines import feedback_scanner

REPORTER = "王举报"
PHONE = "13912345678"


def petition_body(officers, *, anonymous: bool = False, days_ago: int = 0, **overrides) -> dict:
    body = {
        "unit_id": str(UNIT),
        "officer_ids": [str(o) for o in officers],
        "received_on": (today() - timedelta(days=days_ago)).isoformat(),
        "summary": "反映执法人员在检查中收受好处",
        "anonymous": anonymous,
    }
    if not anonymous:
        body["reporter"] = {"name": REPORTER, "phone": PHONE, "address": "城关镇某村"}
    body.update(overrides)
    return body


async def receive(client, body: dict, expect: int = 201) -> dict:
    response = await client.post("/api/v1/petitions", json=body, headers=auth("discipline"))
    assert response.status_code == expect, response.text
    return response.json()


async def act(client, petition: dict, action: str, body: dict, expect: int = 200, headers=None) -> dict:
    response = await client.post(
        f"/api/v1/petitions/{petition['id']}/{action}", json=body, headers=headers or auth("discipline")
    )
    assert response.status_code == expect, response.text
    return response.json()


def outcome(kind: str) -> dict:
    return {"outcome": kind, "concluded_on": today().isoformat(), "findings": "经核查"}


def clarification(officers, *, consent: bool = True) -> dict:
    return {
        "officer_ids": [str(o) for o in officers],
        "consent": {"given": consent, "given_on": today().isoformat()},
        "scope": "全镇执法人员会议",
        "channel": "会议通报",
        "content": "经查举报不属实，予以澄清正名",
        "issued_on": today().isoformat(),
    }


async def test_TOL_19_real_name_identity_is_read_by_legal_affairs_and_discipline_only(client, world) -> None:
    petition = await receive(client, petition_body(world.officers[2:]))
    assert petition["reporter"]["name"] == REPORTER  # the discipline office that recorded it
    for roles, sees in (
        (("legal_affairs",), True),
        (("discipline",), True),
        (("party_committee",), False),
        (("auditor",), False),
        (("admin",), False),
        (("justice_bureau",), False),
    ):
        read = await client.get(f"/api/v1/petitions/{petition['id']}", headers=auth(*roles))
        assert read.status_code == 200, (roles, read.text)
        assert (read.json()["reporter"] is not None) is sees, roles
        assert (REPORTER in read.text) is sees and (PHONE in read.text) is sees
    officer = await client.get(f"/api/v1/petitions/{petition['id']}", headers=auth("officer"))
    assert officer.status_code == 403


async def test_TOL_19_an_officer_named_learns_nothing_through_any_endpoint_list_audit_or_event(
    app, client, world, flow
) -> None:
    named = world.officers[2]
    petition = await receive(client, petition_body([named]))
    await act(client, petition, "outcome", outcome("unfounded"))
    # the officer also holds every role that may read petitions in the unit, and the auditor's
    roles = ("officer", "legal_affairs", "discipline", "party_committee", "unit_leader", "auditor")
    as_named = auth(*roles, officer=named)
    decided = await flow.decided("exempted")  # other objects of the unit, for the walk
    ids = {
        "petition_id": petition["id"],
        "application_id": decided["id"],
        "correction_id": decided["correction_id"],
        "policy_id": decided["policy_id"],
    }
    secrets = (REPORTER, PHONE, petition["id"], petition["summary"])
    spec = app.openapi()
    walked = 0
    for path, operations in spec["paths"].items():
        if "get" not in operations or not path.startswith("/api/v1"):
            continue
        params = [p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "path"]
        if any(p not in ids for p in params):
            continue
        response = await client.get(path.format(**ids), headers=as_named)
        walked += 1
        if path == "/api/v1/petitions/{petition_id}":
            assert response.status_code == 404  # the same answer as a petition that does not exist
        # The audit log (auditors read it whole, by design) records that a petition was written,
        # by whom (the office's staff) and its id — never its reporter or its content.
        allowed = {petition["id"]} if path.startswith("/api/v1/audit") else set()
        leaked = [s for s in secrets if s in response.text and s not in allowed]
        assert not leaked, f"GET {path} leaks {leaked}: {response.text[:300]}"
    assert walked >= 10
    for action, body in (
        ("outcome", outcome("founded")),
        ("feedback", {"given_on": today().isoformat(), "content": "x"}),
        ("clarifications", clarification([named])),
    ):
        refused = await act(client, petition, action, body, expect=404, headers=as_named)
        assert refused["code"] == "resource.not_found"
    audit = await client.get("/api/v1/audit", params={"limit": 500}, headers=as_named)
    assert audit.status_code == 200 and audit.json()["items"]
    assert REPORTER not in audit.text and PHONE not in audit.text
    async with app.state.sessions() as session:
        payloads = (await session.execute(text("SELECT payload::text FROM outbox"))).scalars().all()
    assert payloads and not [p for p in payloads if REPORTER in p or PHONE in p]


async def test_TOL_19_an_anonymous_petition_leaves_no_identity_anywhere_in_the_database(
    app, client, world, capsys
) -> None:
    """A request naming a reporter for an anonymous petition is refused before anything is
    written (and is not echoed); the anonymous petition itself is stored without one. Every
    table's text is searched for the name and the phone number, and the logs too."""
    named = petition_body(world.officers[2:], anonymous=True, reporter={"name": REPORTER, "phone": PHONE})
    refused = await client.post(
        "/api/v1/petitions", json=named, headers={**auth("platform"), "Idempotency-Key": str(uuid.uuid4())}
    )
    assert refused.status_code == 422 and REPORTER not in refused.text and PHONE not in refused.text
    anonymous = await receive(client, petition_body(world.officers[2:], anonymous=True))
    assert anonymous["reporter"] is None and anonymous["deadlines"] == []
    await act(client, anonymous, "outcome", outcome("unproven"))
    await act(
        client,
        anonymous,
        "feedback",
        {"given_on": today().isoformat(), "content": "已在一定范围内说明", "scope": "镇纪委"},
    )
    await act(client, anonymous, "clarifications", clarification(world.officers[2:]), expect=201)
    async with app.state.sessions() as session:
        tables = (
            (await session.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars().all()
        )
        assert "petitions" in tables and "audit_log" in tables and "idempotency_keys" in tables
        for table in tables:
            rows = (await session.execute(text(f'SELECT t::text FROM "{table}" t'))).scalars().all()
            found = [row for row in rows if REPORTER in row or PHONE in row or PHONE in _bytes_text(row)]
            assert not found, f"{table} holds the reporter's identity: {found[:1]}"
    out = capsys.readouterr()
    assert REPORTER not in out.out + out.err and PHONE not in out.out + out.err


def _bytes_text(row: str) -> str:
    """A bytea column renders as hex (\\x…): decode it so stored bodies are searched too."""
    decoded = []
    for token in row.split('"'):
        if token.startswith("\\\\x"):
            try:
                decoded.append(bytes.fromhex(token[3:]).decode("utf-8", "replace"))
            except ValueError:
                pass
    return " ".join(decoded)


async def test_TOL_19_a_real_name_reporter_gets_feedback_within_the_period_and_the_breach_stays_visible(
    app, client, world
) -> None:
    on_time = await receive(client, petition_body(world.officers[2:]))
    (deadline,) = on_time["deadlines"]
    assert deadline["kind"] == "petition_feedback" and deadline["basis"] == ["TOL-19"]
    assert deadline["due_on"] == (today() + timedelta(days=60)).isoformat()
    early = await act(client, on_time, "feedback", {"given_on": today().isoformat(), "content": "x"}, expect=409)
    assert early["code"] == "petition.not_concluded"
    await act(client, on_time, "outcome", outcome("tolerated"))
    scoped = await act(
        client, on_time, "feedback", {"given_on": today().isoformat(), "content": "x", "scope": "x"}, expect=422
    )
    assert scoped["code"] == "petition.invalid_feedback"
    given = await act(client, on_time, "feedback", {"given_on": today().isoformat(), "content": "经认定予以容错免责"})
    assert given["deadlines"][0]["status"] == "met"

    late = await receive(client, petition_body(world.officers[2:], days_ago=70))
    scanner = feedback_scanner(60)
    assert await scanner.scan_once(app.state.sessions) == 1
    assert await scanner.scan_once(app.state.sessions) == 0
    (overdue,) = await outbox(app, "tolerance.petition_feedback_overdue")
    assert overdue["data"]["petition_id"] == late["id"] and overdue["data"]["basis"] == ["TOL-19"]
    assert "officer_ids" not in overdue["data"] and REPORTER not in json.dumps(overdue, ensure_ascii=False)
    await act(client, late, "outcome", outcome("founded"))
    cured = await act(client, late, "feedback", {"given_on": today().isoformat(), "content": "经查属实，已处理"})
    assert (cured["deadlines"][0]["status"], cured["deadlines"][0]["days_late"]) == ("met_late", 10)
    await assert_outbox_matches_schemas(app)


async def test_TOL_19_an_anonymous_petition_gets_an_explanation_within_a_scope_only_when_not_founded(
    client, world
) -> None:
    founded = await receive(client, petition_body(world.officers[2:], anonymous=True))
    await act(client, founded, "outcome", outcome("founded"))
    refused = await act(
        client, founded, "feedback", {"given_on": today().isoformat(), "content": "x", "scope": "x"}, expect=409
    )
    assert refused["code"] == "petition.feedback_not_applicable"
    unproven = await receive(client, petition_body(world.officers[2:], anonymous=True))
    await act(client, unproven, "outcome", outcome("unproven"))
    unscoped = await act(client, unproven, "feedback", {"given_on": today().isoformat(), "content": "x"}, expect=422)
    assert unscoped["code"] == "petition.invalid_feedback"
    explained = await act(
        client, unproven, "feedback", {"given_on": today().isoformat(), "content": "查无实据", "scope": "镇机关"}
    )
    assert explained["explanation_scope"] == "镇机关"


async def test_TOL_19_clarification_only_after_a_concluded_unfounded_or_unproven_petition_with_consent(
    app, client, world
) -> None:
    officers = world.officers[1:]
    petition = await receive(client, petition_body(officers))
    before = await act(client, petition, "clarifications", clarification(officers), expect=422)
    assert before["code"] == "petition.not_clarifiable" and before["basis"] == ["TOL-19"]
    for kind in ("founded", "tolerated"):
        other = await receive(client, petition_body(officers))
        await act(client, other, "outcome", outcome(kind))
        assert (await act(client, other, "clarifications", clarification(officers), expect=422))["code"] == (
            "petition.not_clarifiable"
        )
    await act(client, petition, "outcome", outcome("unfounded"))
    again = await act(client, petition, "outcome", outcome("founded"), expect=409)
    assert again["code"] == "petition.concluded"
    no_consent = await act(client, petition, "clarifications", clarification(officers, consent=False), expect=422)
    assert no_consent["code"] == "petition.consent_required"
    stranger = await act(client, petition, "clarifications", clarification([world.officers[0]]), expect=422)
    assert stranger["code"] == "petition.officer_not_named"
    done = await act(client, petition, "clarifications", clarification(officers[:1]), expect=201)
    (issued,) = done["clarifications"]
    assert (issued["scope"], issued["channel"]) == ("全镇执法人员会议", "会议通报")
    (event,) = await outbox(app, "tolerance.clarification_issued")
    assert event["data"]["officer_ids"] == [str(officers[0])] and event["data"]["scope"] == "全镇执法人员会议"
    assert REPORTER not in json.dumps(event, ensure_ascii=False)


async def test_TOL_19_petition_ids_outside_scope_or_unknown_officers_are_404(client, world) -> None:
    for body in (
        petition_body([uuid.uuid4()]),
        petition_body(world.officers[:1], unit_id=str(uuid.uuid4())),
    ):
        response = await client.post("/api/v1/petitions", json=body, headers=auth("discipline"))
        assert response.status_code == 404
    other_unit = await client.get("/api/v1/petitions", headers=auth("discipline", unit=uuid.uuid4()))
    assert other_unit.json()["items"] == []
