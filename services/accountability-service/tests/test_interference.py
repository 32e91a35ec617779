"""The interference register (干预插手记录) on the real PostgreSQL: INT-2 … INT-13, the append-only
table, the hash chain and its signed checkpoints (tampered with directly in the database)."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from accountability_service.interference.chain import signature_valid
from accountability_service.interference.rules import quarter, quarter_of
from accountability_service.reports.deadlines import ensure_report_rows, report_overdue_scanner
from enforcement_common.calendar import today
from enforcement_common.contracts.case import CaseHandlersChanged
from enforcement_common.testing.delivery import deliver as deliver_to
from enforcement_common.testing.outbox import outbox_events


def _body(world, **overrides) -> dict:
    body = {
        "case_id": str(world.cases["penalty"].case_id),
        "occurred_at": f"{today() - timedelta(days=1)}T09:30:00+08:00",
        "place": "执法大队办公室",
        "intervener": {"officer_id": str(world.officers["leader"]), "position": "分管副局长"},
        "method": "oral",
        "content": "打招呼要求对当事人从轻处罚",
        "category": "I5",
    }
    return {**body, **overrides}


async def _record(client, world, who="lead", **overrides):
    return await client.post(
        "/api/v1/interference-records",
        json=_body(world, **overrides),
        headers=world.as_("officer", "legal_affairs", who=who),
    )


# --- INT-2, INT-3, INT-7 ---------------------------------------------------------------------------------


async def test_int_3_the_handler_records_time_place_person_method_content(client, world) -> None:
    created = await _record(client, world)
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["intervener"]["name"] == world.names["leader"]
    assert record["intervener"]["staff_type"] == "established"
    assert record["method"] == "oral" and record["place"] and record["content"]
    assert len(record["hash"]) == 64 and record["prev_hash"] == "0" * 64
    second = (await _record(client, world, content="再次过问")).json()
    assert second["prev_hash"] == record["hash"]


async def test_int_3_only_a_handler_of_the_case_records(client, world) -> None:
    refused = await _record(client, world, who="other")
    assert refused.status_code == 403 and refused.json()["basis"] == ["INT-3"]


async def test_int_3_after_a_change_of_handlers_the_new_handler_records_and_the_former_one_does_not(
    app, client, world
) -> None:
    """case.handlers_changed (承办人员变更, CASE-3): the directory follows it — the handler now in
    charge records an interference, the one replaced no longer does."""
    filed = world.cases["penalty"]
    await deliver_to(
        app,
        CaseHandlersChanged(
            case_id=filed.case_id,
            unit_id=filed.unit_id,
            case_no=filed.case_no,
            lead_handler_id=world.officers["other"],
            handler_ids=[world.officers["other"], world.officers["co"]],
            changed_on=today(),
        ),
    )
    assert (await _record(client, world, who="other")).status_code == 201
    refused = await _record(client, world, who="lead")
    assert refused.status_code == 403 and refused.json()["basis"] == ["INT-3"]


async def test_int_3_the_table_refuses_update_delete_and_truncate(app, client, world) -> None:
    await _record(client, world)
    assert (
        await client.post("/api/v1/interference-records/checkpoints", headers=world.as_("auditor"))
    ).status_code == 201
    for statement in (
        "UPDATE interference_records SET content = 'x'",
        "DELETE FROM interference_records",
        "TRUNCATE interference_records CASCADE",
        "UPDATE interference_checkpoints SET count = 0",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with app.state.sessions() as session, session.begin():
                await session.execute(text(statement))


async def test_int_3_patch_and_delete_answer_405_and_a_correction_is_a_new_record(client, world) -> None:
    record = (await _record(client, world)).json()
    for method in ("PATCH", "DELETE", "PUT"):
        answer = await client.request(
            method,
            f"/api/v1/interference-records/{record['id']}",
            json={"content": "改"},
            headers=world.as_("officer", who="lead"),
        )
        assert answer.status_code == 405, (method, answer.text)
    correction = await _record(client, world, content="更正：时间应为上午十时", corrects_id=record["id"])
    assert correction.status_code == 201
    original = (
        await client.get(f"/api/v1/interference-records/{record['id']}", headers=world.as_("legal_affairs"))
    ).json()
    assert original["content"] == "打招呼要求对当事人从轻处罚"
    assert original["corrected_by_ids"] == [correction.json()["id"]]


async def test_int_3_a_report_goes_to_the_legal_department_or_directly_to_the_justice_bureau(client, world) -> None:
    record = (await _record(client, world)).json()
    for to in ("legal_department", "justice_bureau"):
        reported = await client.post(
            f"/api/v1/interference-records/{record['id']}/report",
            json={"to": to, "reported_on": str(today())},
            headers=world.as_("officer", who="lead"),
        )
        assert reported.status_code == 200, reported.text
    assert [a["details"]["to"] for a in reported.json()["actions"]] == ["legal_department", "justice_bureau"]
    stranger = await client.post(
        f"/api/v1/interference-records/{record['id']}/report",
        json={"to": "justice_bureau", "reported_on": str(today())},
        headers=world.as_("officer", "unit_leader", who="other"),
    )
    assert stranger.status_code == 404


async def test_int_2_internal_personnel_are_recorded_an_outsider_is_refused(client, world) -> None:
    for staff_type in ("contract", "retired", "former"):
        named = await _record(
            client, world, intervener={"name": "张某", "staff_type": staff_type, "position": "原科长"}
        )
        assert named.status_code == 201, named.text
    outsider = await _record(client, world, intervener={"name": "李某", "staff_type": "external"})
    assert outsider.status_code == 422 and outsider.json()["basis"] == ["INT-2"]
    unknown = await _record(client, world, intervener={"officer_id": str(uuid.uuid4())})
    assert unknown.status_code == 404


async def test_int_7_oral_guidance_of_a_leader_is_recorded_by_the_handler(client, world) -> None:
    guidance = await _record(
        client, world, category="legitimate_guidance", method="oral", content="口头指导：依法依规办理"
    )
    assert guidance.status_code == 201
    assert guidance.json()["is_interference"] is False and guidance.json()["basis"][-1] == "INT-13"
    refused = await _record(client, world, category="legitimate_guidance", method="other")
    assert refused.status_code == 422 and refused.json()["basis"] == ["INT-7"]


# --- INT-9 ------------------------------------------------------------------------------------------------


async def test_int_9_the_intervener_never_sees_the_record_nor_its_recorder(app, client, world) -> None:
    record = (await _record(client, world)).json()
    guidance = (
        await _record(client, world, intervener={"officer_id": str(world.officers["other"])}, category="I1")
    ).json()
    recorder_markers = {str(world.officers["lead"]), world.names["lead"], f"officer-{world.officers['lead']}"}
    intervener = world.as_("officer", "unit_leader", who="leader")
    hidden = {record["id"], record["hash"]}

    def clean(answer) -> None:
        assert not any(m in answer.text for m in hidden | recorder_markers), answer.text[:500]

    one = await client.get(f"/api/v1/interference-records/{record['id']}", headers=intervener)
    assert one.status_code == 404
    clean(one)
    listed = await client.get("/api/v1/interference-records", headers=intervener, params={"limit": 500})
    assert [r["id"] for r in listed.json()["items"]] == [guidance["id"]]
    clean(listed)
    assert listed.json()["items"][0]["recorder"] is None  # a unit leader is not shown recorders
    for path in (
        f"/api/v1/interference-records/{record['id']}/classification",
        f"/api/v1/interference-records/{record['id']}/report",
        f"/api/v1/interference-records/{record['id']}/referral",
        f"/api/v1/interference-records/{record['id']}/spot-check",
    ):
        answer = await client.post(path, json={}, headers=intervener)
        assert answer.status_code in (403, 404, 422)  # 403: the role, whatever the id
        clean(answer)
    filtered = await client.get(
        "/api/v1/interference-records", headers=intervener, params={"case_id": str(world.cases["penalty"].case_id)}
    )
    assert record["id"] not in filtered.text
    # the corrections of a hidden record are hidden by the same rule (they name the same person)
    correction = (await _record(client, world, corrects_id=record["id"], content="更正")).json()
    assert (await client.get(f"/api/v1/interference-records/{correction['id']}", headers=intervener)).status_code == 404
    # reports and their counts: only what the caller may see
    last_quarter = quarter_of(quarter(quarter_of(today()))[0] - timedelta(days=1))
    reports = await client.get("/api/v1/interference-reports", headers=intervener, params={"period": last_quarter})
    clean(reports)
    # audit entries: the audit log is the auditor's only
    audit = await client.get("/api/v1/audit", headers=intervener)
    assert audit.status_code == 403
    # …and even an auditor finds there that the register was written to, never by whom
    entries = (await client.get("/api/v1/audit", headers=world.as_("auditor"), params={"limit": 500})).json()["items"]
    register = [e for e in entries if e["path"].startswith("/api/v1/interference-records")]
    assert register and all(e["actor"] == "withheld" and e["actor_name"] is None for e in register)
    # events: neither the intervener nor the recorder
    for event in await outbox_events(app):
        body = str(event["payload"])
        assert world.names["leader"] not in body and str(world.officers["leader"]) not in body
        assert (
            not any(m in body for m in recorder_markers - {str(world.officers["lead"])})
            or event["event_type"] != "accountability.interference_recorded"
        )
        if event["event_type"] == "accountability.interference_recorded":
            assert str(world.officers["lead"]) not in body and world.names["lead"] not in body
    # every GET of the OpenAPI document, each path parameter given the hidden record's id (or the
    # case's, the unit's): none answers with the record, its hash, or its recorder
    ids = {"record_id": record["id"], "case_id": str(world.cases["penalty"].case_id), "unit_id": str(world.unit)}
    for path, item in app.openapi()["paths"].items():
        if "get" not in item or not path.startswith("/api/v1"):
            continue
        concrete = path
        for name, value in ids.items():
            concrete = concrete.replace("{" + name + "}", value)
        if "{" in concrete:
            concrete = concrete.split("{")[0] + str(uuid.uuid4()) + concrete.split("}", 1)[1]
        clean(await client.get(concrete, headers=intervener, params={"limit": 500}))
    # an officer without an oversight role sees only the records they made
    colleague = await client.get("/api/v1/interference-records", headers=world.as_("officer", who="co"))
    assert colleague.json()["items"] == []


async def test_int_9_the_recorder_is_shown_to_legal_affairs_and_discipline_only(client, world) -> None:
    record = (await _record(client, world)).json()
    for roles, shown in (
        (("legal_affairs",), True),
        (("discipline",), True),
        (("unit_leader",), False),
        (("auditor",), False),
    ):
        answer = (await client.get(f"/api/v1/interference-records/{record['id']}", headers=world.as_(*roles))).json()
        assert (answer["recorder"] is not None) is shown, roles
        if not shown:
            assert world.names["lead"] not in str(answer) and str(world.officers["lead"]) not in str(answer)


# --- INT-4, INT-10, INT-11, INT-13 ---------------------------------------------------------------------------


async def test_int_4_the_legal_body_spot_checks_and_a_lead_goes_to_the_head(client, world) -> None:
    record = (await _record(client, world)).json()
    checked = await client.post(
        f"/api/v1/interference-records/{record['id']}/spot-check",
        json={
            "checked_on": str(today()),
            "result": "lead",
            "note": "需进一步调查",
            "transferred_to_justice_bureau": True,
        },
        headers=world.as_("legal_affairs"),
    )
    assert checked.status_code == 200
    action = checked.json()["actions"][0]
    assert action["details"]["to_head"] and action["details"]["transferred_to_justice_bureau"]
    assert action["details"]["basis"] == ["INT-4"]
    officer = await client.post(
        f"/api/v1/interference-records/{record['id']}/spot-check",
        json={"checked_on": str(today()), "result": "confirmed", "note": "x"},
        headers=world.as_("officer", who="lead"),
    )
    assert officer.status_code == 403


async def test_int_10_improper_interference_is_circulated_after_approval(client, world) -> None:
    record = (await _record(client, world)).json()
    circulated = await client.post(
        f"/api/v1/interference-records/{record['id']}/circulation",
        json={"approved_by": "局党组", "circulated_on": str(today())},
        headers=world.as_("legal_affairs"),
    )
    assert circulated.status_code == 200
    assert circulated.json()["actions"][0]["details"]["basis"] == ["INT-10"]


async def test_int_13_guidance_or_inquiry_is_not_interference_nor_circulated_nor_referred(client, world) -> None:
    record = (await _record(client, world)).json()
    classified = await client.post(
        f"/api/v1/interference-records/{record['id']}/classification",
        json={"category": "inquiry", "reasons": "依程序了解案情并已记录", "classified_on": str(today())},
        headers=world.as_("legal_affairs"),
    )
    assert classified.status_code == 200
    assert classified.json()["category"] == "inquiry" and classified.json()["recorded_category"] == "I5"
    assert classified.json()["is_interference"] is False
    for path, body in (
        ("circulation", {"approved_by": "局党组", "circulated_on": str(today())}),
        ("referral", {"to": "discipline", "referred_on": str(today()), "reason": "违纪"}),
    ):
        refused = await client.post(
            f"/api/v1/interference-records/{record['id']}/{path}", json=body, headers=world.as_("legal_affairs")
        )
        assert refused.status_code == 422 and refused.json()["basis"] == ["INT-13"]


async def test_int_11_referral_to_discipline_or_judicial_and_retaliation_as_its_own_finding(client, world) -> None:
    record = (await _record(client, world)).json()
    for to in ("discipline", "judicial"):
        referred = await client.post(
            f"/api/v1/interference-records/{record['id']}/referral",
            json={"to": to, "referred_on": str(today()), "reason": "涉嫌违纪违法"},
            headers=world.as_("discipline"),
        )
        assert referred.status_code == 200
    retaliation = await client.post(
        f"/api/v1/interference-records/{record['id']}/retaliation",
        json={
            "found_on": str(today()),
            "description": "记录人被无故调岗",
            "by_officer_id": str(world.officers["leader"]),
        },
        headers=world.as_("discipline"),
    )
    assert retaliation.status_code == 200
    kinds = [(a["kind"], a["details"]["basis"]) for a in retaliation.json()["actions"]]
    assert kinds == [("referral", ["INT-11"]), ("referral", ["INT-11"]), ("retaliation", ["INT-9", "INT-11"])]


# --- INT-12 and the missing-record detector ------------------------------------------------------------------


async def _finding(client, world, officer="co", **extra):
    body = {
        "officer_id": str(world.officers[officer]),
        "case_id": str(world.cases["penalty"].case_id),
        "kind": "not_recorded",
        "found_on": str(today()),
        "description": "检察机关比对发现领导过问未记录",
        **extra,
    }
    return await client.post("/api/v1/nonrecording-findings", json=body, headers=world.as_("legal_affairs"))


async def test_int_12_first_a_warning_then_a_discipline_referral(app, client, world) -> None:
    first = await _finding(client, world, consequence="circulated_criticism")
    assert first.status_code == 201 and first.json()["consequence"] == "circulated_criticism"
    second = await _finding(client, world, consequence="warning")
    assert second.json()["consequence"] == "discipline_referral" and second.json()["ordinal"] == 2
    assert second.json()["basis"] == ["INT-12"]
    found = [
        e["payload"]["data"]["consequence"]
        for e in await outbox_events(app)
        if e["event_type"] == "accountability.nonrecording_found"
    ]
    assert found == ["circulated_criticism", "discipline_referral"]


async def test_int_12_the_instructing_leader_gets_their_own_finding(client, world) -> None:
    finding = await _finding(client, world, instructed_by_leader_id=str(world.officers["leader"]))
    assert finding.status_code == 201
    leader_finding = finding.json()["leader_finding_id"]
    listed = (
        await client.get(
            "/api/v1/nonrecording-findings",
            params={"officer_id": str(world.officers["leader"])},
            headers=world.as_("legal_affairs"),
        )
    ).json()["items"]
    assert [f["id"] for f in listed] == [leader_finding]
    assert listed[0]["kind"] == "instructed_not_to_record" and listed[0]["leader_of_finding_id"] == finding.json()["id"]
    same = await _finding(client, world, instructed_by_leader_id=str(world.officers["co"]))
    assert same.status_code == 422


async def test_int_12_the_missing_record_detector_surfaces_a_case_without_any_record(client, world) -> None:
    await _record(client, world, who="lead")
    recorded = await _finding(client, world, officer="lead", kind="untruthful")
    silent = await _finding(client, world, officer="co")
    assert recorded.json()["no_record_for_case"] is False and silent.json()["no_record_for_case"] is True
    surfaced = (
        await client.get(
            "/api/v1/nonrecording-findings", params={"no_record_for_case": "true"}, headers=world.as_("legal_affairs")
        )
    ).json()["items"]
    assert [f["id"] for f in surfaced] == [silent.json()["id"]]


# --- quarterly reports with zero reports -------------------------------------------------------------------


async def test_int_3_quarterly_report_zero_report_and_overdue(app, client, world) -> None:
    last = quarter_of(quarter(quarter_of(today()))[0] - timedelta(days=1))
    before = quarter_of(quarter(last)[0] - timedelta(days=1))
    start = quarter(last)[0]
    await _record(client, world, occurred_at=f"{start + timedelta(days=3)}T10:00:00+08:00")
    body = {"unit_id": str(world.unit), "period": last, "submitted_on": str(today()), "zero_report": True}
    refused = await client.post("/api/v1/interference-reports", json=body, headers=world.as_("legal_affairs"))
    assert refused.status_code == 422 and refused.json()["code"] == "interference_report.zero_with_records"
    body["zero_report"] = False
    submitted = await client.post("/api/v1/interference-reports", json=body, headers=world.as_("legal_affairs"))
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["record_count"] == 1 and submitted.json()["policy_id"]
    no_zero = await client.post(
        "/api/v1/interference-reports",
        json={"unit_id": str(world.unit), "period": before, "submitted_on": str(today()), "zero_report": False},
        headers=world.as_("legal_affairs"),
    )
    assert no_zero.status_code == 422
    current = await client.post(
        "/api/v1/interference-reports",
        json={
            "unit_id": str(world.unit),
            "period": quarter_of(today()),
            "submitted_on": str(today()),
            "zero_report": True,
        },
        headers=world.as_("legal_affairs"),
    )
    assert current.status_code == 422 and current.json()["code"] == "interference_report.period_open"
    async with app.state.sessions() as session, session.begin():
        await ensure_report_rows(session, today().year - 1)
    scanner = report_overdue_scanner(1)
    emitted = await scanner.scan_once(app.state.sessions)
    assert emitted >= 1 and await scanner.scan_once(app.state.sessions) == 0
    overdue = [
        e["payload"]["data"]
        for e in await outbox_events(app)
        if e["event_type"] == "accountability.interference_report_overdue"
    ]
    assert last not in {o["period"] for o in overdue if o["unit_id"] == str(world.unit)}
    listed = (
        await client.get(
            "/api/v1/interference-reports",
            params={"unit_id": str(world.unit), "period": before},
            headers=world.as_("legal_affairs"),
        )
    ).json()["items"]
    assert listed[0]["status"] == "overdue" and listed[0]["basis"] == ["INT-3"]


# --- the chain and its signed checkpoints, tampered with directly -------------------------------------------


async def _tamper(app, *statements: str) -> None:
    async with app.state.sessions() as session, session.begin():
        await session.execute(text("ALTER TABLE interference_records DISABLE TRIGGER USER"))
        for statement in statements:
            await session.execute(text(statement))
        await session.execute(text("ALTER TABLE interference_records ENABLE TRIGGER USER"))


async def _chain_with_checkpoint(client, world) -> tuple[list[dict], dict]:
    records = [(await _record(client, world, content=f"第{n}次过问")).json() for n in range(5)]
    auditor = world.as_("auditor")
    checkpoint = await client.post("/api/v1/interference-records/checkpoints", headers=auditor)
    assert checkpoint.status_code == 201
    await _record(client, world, content="之后的记录")
    return records, checkpoint.json()


async def _verify(client, world, checkpoint=None) -> dict:
    params = {"count": checkpoint["count"], "head_hash": checkpoint["head_hash"]} if checkpoint else {}
    return (await client.get("/api/v1/interference-records/verify", params=params, headers=world.as_("auditor"))).json()


async def test_chain_verifies_and_extends_its_signed_checkpoint(client, world) -> None:
    records, checkpoint = await _chain_with_checkpoint(client, world)
    assert checkpoint["count"] == 5 and checkpoint["head_hash"] == records[-1]["hash"]
    key = (await client.get("/api/v1/interference-records/checkpoint-key", headers=world.as_("auditor"))).json()
    assert key["key_id"] == checkpoint["key_id"]
    signed_at = datetime.fromisoformat(checkpoint["signed_at"])
    public = base64.b64decode(key["public_key"])
    assert signature_valid(public, 5, checkpoint["head_hash"], signed_at, checkpoint["signature"])
    assert not signature_valid(public, 4, checkpoint["head_hash"], signed_at, checkpoint["signature"])
    report = await _verify(client, world, checkpoint)
    assert report["valid"] and report["extends_checkpoint"] and report["count"] == 6
    listed = (await client.get("/api/v1/interference-records/checkpoints", headers=world.as_("auditor"))).json()
    assert [c["id"] for c in listed["items"]] == [checkpoint["id"]]


async def test_chain_an_edited_record_fails_verification(app, client, world) -> None:
    records, checkpoint = await _chain_with_checkpoint(client, world)
    await _tamper(app, f"UPDATE interference_records SET content = '无' WHERE id = '{records[2]['id']}'")
    report = await _verify(client, world)
    assert not report["valid"] and report["first_bad_id"] == records[2]["id"]
    assert not (await _verify(client, world, checkpoint))["extends_checkpoint"]


async def test_chain_a_deleted_record_fails_verification(app, client, world) -> None:
    records, checkpoint = await _chain_with_checkpoint(client, world)
    await _tamper(app, f"DELETE FROM interference_records WHERE id = '{records[1]['id']}'")
    report = await _verify(client, world)
    assert not report["valid"] and report["first_bad_id"] == records[2]["id"]
    assert not (await _verify(client, world, checkpoint))["valid"]


async def test_chain_a_truncated_history_fails_against_the_checkpoint(app, client, world) -> None:
    records, checkpoint = await _chain_with_checkpoint(client, world)
    # the tail cut off: what remains is a valid chain by itself, only the checkpoint shows the loss
    await _tamper(app, f"DELETE FROM interference_records WHERE seq >= {records[3]['seq']}")
    assert (await _verify(client, world))["valid"]
    report = await _verify(client, world, checkpoint)
    assert not report["valid"] and report["extends_checkpoint"] is False
    assert "truncated" in report["problems"][0]


async def test_chain_a_rewritten_history_with_recomputed_hashes_fails_against_the_checkpoint(
    app, client, world
) -> None:
    from sqlalchemy import select

    from accountability_service.interference.chain import GENESIS, record_hash
    from accountability_service.interference.service import content_of
    from accountability_service.models import InterferenceRecord

    records, checkpoint = await _chain_with_checkpoint(client, world)
    await _tamper(app, f"UPDATE interference_records SET content = '无' WHERE id = '{records[0]['id']}'")
    # a forger recomputes every hash after the edit: the chain is valid again by itself
    async with app.state.sessions() as session, session.begin():
        await session.execute(text("ALTER TABLE interference_records DISABLE TRIGGER USER"))
        prev = GENESIS
        for row in (await session.scalars(select(InterferenceRecord).order_by(InterferenceRecord.seq))).all():
            new = record_hash(prev, content_of(row))
            await session.execute(
                text("UPDATE interference_records SET prev_hash = :p, hash = :h WHERE seq = :s"),
                {"p": prev, "h": new, "s": row.seq},
            )
            prev = new
        await session.execute(text("ALTER TABLE interference_records ENABLE TRIGGER USER"))
    assert (await _verify(client, world))["valid"]
    report = await _verify(client, world, checkpoint)
    assert not report["valid"] and "rewritten" in report["problems"][0]


async def test_checkpoint_daily_job_signs_once_a_day(app, client, world) -> None:
    from accountability_service.interference.service import checkpoint_if_none_today

    await _record(client, world)
    async with app.state.sessions() as session, session.begin():
        assert await checkpoint_if_none_today(session, app.state.checkpoint_signer) is True
    async with app.state.sessions() as session, session.begin():
        assert await checkpoint_if_none_today(session, app.state.checkpoint_signer) is False


async def test_int_3_verify_and_checkpoints_are_not_for_officers(client, world) -> None:
    for path in ("/api/v1/interference-records/verify", "/api/v1/interference-records/checkpoints"):
        assert (await client.get(path, headers=world.as_("officer", who="lead"))).status_code == 403


async def test_int_3_concurrent_appends_keep_one_unforked_chain(client, world) -> None:
    import asyncio

    answers = await asyncio.gather(*(_record(client, world, content=f"并发{n}") for n in range(12)))
    assert all(a.status_code == 201 for a in answers)
    report = await _verify(client, world)
    assert report["valid"] and report["count"] == 12
