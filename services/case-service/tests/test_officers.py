"""Officers, certificates, qualification (REV-8 reinstatement), assessments, trainings,
and the sanction events consumed from review- and accountability-service."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from enforcement_common.calendar import today
from enforcement_common.contracts.accountability import SanctionImposed
from enforcement_common.contracts.review import ReviewOfficerSanctioned
from enforcement_common.events.envelope import build_envelope, encode_envelope
from enforcement_common.testing.events import wait_for

OFFICERS = "/api/v1/officers"


async def test_expired_certificate_reads_as_uncertified_and_id_numbers_are_masked(world, client, as_headers) -> None:
    expired = (await client.get(f"{OFFICERS}/{world.officers['过期']}", headers=world.as_officer("T1"))).json()
    assert expired["qualification_status"] == "uncertified" and expired["id_number"] == "1427**********123X"
    full = (
        await client.get(
            f"{OFFICERS}/{world.officers['过期']}", headers=as_headers("unit_leader", unit=world.units["T1"])
        )
    ).json()
    assert full["id_number"] == "14270119800101123X"
    listed = (
        await client.get(OFFICERS, params={"qualification_status": "uncertified"}, headers=world.as_officer("T1"))
    ).json()["items"]
    assert {o["name"] for o in listed} == {"无证", "过期"}


async def test_officer_validation_and_scope(world, client, as_headers) -> None:
    bad = await client.post(
        OFFICERS,
        json={"unit_id": world.units["T1"], "name": "x", "staff_type": "temporary"},
        headers=as_headers("admin"),
    )
    assert bad.status_code == 422
    dates = await client.post(
        OFFICERS,
        json={
            "unit_id": world.units["T1"],
            "name": "x",
            "staff_type": "contract",
            "certificate": {"number": "N1", "issued_on": "2026-01-02", "expires_on": "2026-01-01"},
        },
        headers=as_headers("admin"),
    )
    assert dates.status_code == 422
    leader_t2 = as_headers("unit_leader", unit=world.units["T2"])
    outside = await client.post(
        OFFICERS, json={"unit_id": world.units["T1"], "name": "x", "staff_type": "contract"}, headers=leader_t2
    )
    assert outside.status_code == 404
    assert (await client.get(f"{OFFICERS}/{world.officers['甲']}", headers=world.as_officer("T2"))).status_code == 404


async def _qualify(client, officer_id: str, action: str, headers, basis=("REV-8",), effective_on=None):
    body = {"action": action, "reason": "年度评查不合格三件", "basis": list(basis)}
    if effective_on:
        body["effective_on"] = effective_on
    return await client.post(f"{OFFICERS}/{officer_id}/qualification", json=body, headers=headers)


async def test_REV_8_reinstatement_needs_training_and_passed_assessment_after_suspension(
    world, client, as_headers
) -> None:
    bureau = as_headers("justice_bureau", unit=world.units["XC"])
    officer = world.officers["丙"]
    suspended_on = (today() - timedelta(days=20)).isoformat()
    suspended = await _qualify(client, officer, "suspend", bureau, effective_on=suspended_on)
    assert suspended.json()["qualification_status"] == "suspended" and suspended.json()["restriction_basis"] == [
        "REV-8"
    ]
    refused = await _qualify(client, officer, "reinstate", bureau)
    assert refused.status_code == 422 and refused.json()["basis"] == ["REV-8"]

    leader = as_headers("unit_leader", unit=world.units["T1"])
    training = {
        "kind": "attended",
        "title": "行政执法资格培训",
        "content": "行政处罚法",
        "organizer_unit_id": world.units["T1"],
        "start_date": (today() - timedelta(days=10)).isoformat(),
        "end_date": (today() - timedelta(days=9)).isoformat(),
        "hours": "16",
        "attendee_ids": [officer],
    }
    assert (await client.post("/api/v1/trainings", json=training, headers=leader)).status_code == 201
    failed = await client.post(
        f"{OFFICERS}/{officer}/assessments",
        json={"assessed_on": (today() - timedelta(days=5)).isoformat(), "passed": False},
        headers=leader,
    )
    assert failed.status_code == 201
    assert (await _qualify(client, officer, "reinstate", bureau)).status_code == 422, (
        "a failed assessment does not count"
    )
    ahead = await client.post(
        f"{OFFICERS}/{officer}/assessments",
        json={"assessed_on": (today() + timedelta(days=3)).isoformat(), "passed": True},
        headers=leader,
    )
    assert ahead.status_code == 422 and ahead.json()["code"] == "officer.assessment_in_future"
    await client.post(
        f"{OFFICERS}/{officer}/assessments",
        json={"assessed_on": (today() - timedelta(days=2)).isoformat(), "passed": True},
        headers=leader,
    )
    reinstated = await _qualify(client, officer, "reinstate", bureau)
    assert reinstated.status_code == 200 and reinstated.json()["qualification_status"] == "active"


async def test_suspension_without_REV_8_reinstates_freely_and_revocation_is_final(world, client, as_headers) -> None:
    bureau = as_headers("justice_bureau", unit=world.units["XC"])
    officer = world.officers["乙"]
    await _qualify(client, officer, "suspend", bureau, basis=("ERR-11",))
    assert (await _qualify(client, officer, "reinstate", bureau)).json()["qualification_status"] == "active"
    assert (await _qualify(client, officer, "reinstate", bureau)).status_code == 409
    assert (await _qualify(client, officer, "revoke", bureau, basis=("ERR-11",))).json()[
        "qualification_status"
    ] == "revoked"
    assert (await _qualify(client, officer, "suspend", bureau)).status_code == 409
    assert (await _qualify(client, officer, "suspend", world.as_officer("T1"))).status_code == 403


async def test_training_attendees_must_exist(world, client, as_headers) -> None:
    """An unknown attendee answers 404 resource.not_found, as one outside the caller's scope
    does (issue 11 item 8: it was 422 training.unknown_attendees, which told the two apart)."""
    body = {
        "kind": "held",
        "title": "t",
        "content": "c",
        "organizer_unit_id": world.units["T1"],
        "start_date": "2026-03-01",
        "end_date": "2026-03-01",
        "hours": "2",
        "attendee_ids": [str(uuid.uuid4())],
    }
    response = await client.post(
        "/api/v1/trainings", json=body, headers=as_headers("unit_leader", unit=world.units["T1"])
    )
    assert response.status_code == 404 and response.json()["code"] == "resource.not_found"


async def test_sanctions_from_review_and_accountability(
    database, app_builder, kafka_bootstrap_servers, as_headers
) -> None:
    """review.officer_sanctioned (suspension) suspends; accountability.sanction_imposed with
    remove_from_post revokes; each delivered twice changes the officer once."""
    app = app_builder(database, run_workers=True)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://case.test") as client:
            admin = as_headers("admin")
            unit = (
                await client.post(
                    "/api/v1/units",
                    json={"code": f"U{uuid.uuid4().hex[:6]}", "name": "县", "kind": "county"},
                    headers=admin,
                )
            ).json()
            certificate = {"issued_on": "2024-01-01", "expires_on": (today() + timedelta(days=300)).isoformat()}
            one = (
                await client.post(
                    OFFICERS,
                    json={
                        "unit_id": unit["id"],
                        "name": "甲",
                        "staff_type": "established",
                        "certificate": {"number": f"A{uuid.uuid4().hex[:6]}", **certificate},
                    },
                    headers=admin,
                )
            ).json()
            two = (
                await client.post(
                    OFFICERS,
                    json={
                        "unit_id": unit["id"],
                        "name": "乙",
                        "staff_type": "established",
                        "certificate": {"number": f"B{uuid.uuid4().hex[:6]}", **certificate},
                    },
                    headers=admin,
                )
            ).json()
            sanctioned = ReviewOfficerSanctioned(
                officer_id=one["id"],
                unit_id=unit["id"],
                year=today().year,
                level="suspension",
                unqualified_count=3,
                lead_cases=8,
                basis=["REV-8"],
            )
            criticism = ReviewOfficerSanctioned(
                officer_id=two["id"],
                unit_id=unit["id"],
                year=today().year,
                level="criticism",
                unqualified_count=1,
                lead_cases=8,
                basis=["REV-8"],
            )
            removed = SanctionImposed(
                error_case_id=uuid.uuid4(),
                officer_id=two["id"],
                unit_id=unit["id"],
                sanctions=["circulated_criticism", "remove_from_post"],
                effective_on=today(),
            )
            envelopes = [
                build_envelope(e, source=s)
                for e, s in (
                    (sanctioned, "review-service"),
                    (criticism, "review-service"),
                    (removed, "accountability-service"),
                )
            ]
            producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
            await producer.start()
            try:
                for _ in range(2):
                    for data, envelope in zip((sanctioned, criticism, removed), envelopes, strict=True):
                        await producer.send_and_wait(
                            data.topic, encode_envelope(envelope), key=data.event_subject().encode()
                        )
            finally:
                await producer.stop()

            async def settled() -> bool:
                async with app.state.sessions() as session:
                    return (
                        await session.scalar(text("SELECT count(*) FROM inbox")) >= 3
                        and (
                            await session.scalar(
                                text("SELECT count(*) FROM outbox WHERE event_type = 'officer.qualification_changed'")
                            )
                        )
                        >= 2
                    )

            await wait_for(settled, 60, "sanctions applied")
            await asyncio.sleep(2)  # the duplicates arrive meanwhile
            first = (await client.get(f"{OFFICERS}/{one['id']}", headers=admin)).json()
            second = (await client.get(f"{OFFICERS}/{two['id']}", headers=admin)).json()
            assert first["qualification_status"] == "suspended" and first["restriction_basis"] == ["REV-8"]
            assert second["qualification_status"] == "revoked" and second["restriction_basis"] == ["ERR-11"]
            async with app.state.sessions() as session:
                changes = (
                    (
                        await session.execute(
                            text(
                                "SELECT payload FROM outbox WHERE event_type = 'officer.qualification_changed' ORDER BY id"
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
            assert sorted((c["data"]["officer_id"], c["data"]["from"], c["data"]["to"]) for c in changes) == sorted(
                [(one["id"], "active", "suspended"), (two["id"], "active", "revoked")]
            ), "once each, and nothing for a criticism"


async def test_a_certificate_renewed_or_withdrawn_emits_qualification_changed(world, client, app, as_headers) -> None:
    admin = as_headers("admin")
    officer_id = world.officers["过期"]  # certificate expired yesterday: uncertified
    current = await client.get(f"{OFFICERS}/{officer_id}", headers=admin)
    assert current.json()["qualification_status"] == "uncertified"
    renewed = await client.patch(
        f"{OFFICERS}/{officer_id}",
        json={"certificate": {"number": "RENEWED-1", "issued_on": "2024-01-01", "expires_on": "2031-01-01"}},
        headers={**admin, "If-Match": current.headers["etag"]},
    )
    assert renewed.status_code == 200 and renewed.json()["qualification_status"] == "active"
    renamed = await client.patch(
        f"{OFFICERS}/{officer_id}", json={"position": "队长"}, headers={**admin, "If-Match": renewed.headers["etag"]}
    )
    assert renamed.status_code == 200
    async with app.state.sessions() as session:
        payloads = (
            (
                await session.execute(
                    text("SELECT payload FROM outbox WHERE event_type = 'officer.qualification_changed' ORDER BY id")
                )
            )
            .scalars()
            .all()
        )
    assert [(p["data"]["from"], p["data"]["to"], p["data"]["basis"]) for p in payloads] == [
        ("uncertified", "active", ["CASE-3"])
    ], "once, for the renewal; not for the change of position"


async def test_a_certificate_running_out_is_reported_once_as_uncertified(world, client, app, as_headers) -> None:
    from datetime import UTC, datetime

    from case_service.officers.deadlines import scanner

    admin = as_headers("admin")
    body = {
        "unit_id": world.units["T1"],
        "name": "到期",
        "staff_type": "established",
        "certificate": {"number": "EXPIRING-1", "issued_on": "2024-01-01", "expires_on": today().isoformat()},
    }
    officer = (await client.post(OFFICERS, json=body, headers=admin)).json()
    assert officer["qualification_status"] == "active", "valid through its last day"
    scan = scanner(60)
    assert await scan.scan_once(app.state.sessions) == 0, (
        "nothing has run out yet (nor has 过期, reported at registration)"
    )
    scan.clock = lambda: datetime.now(UTC) + timedelta(days=2)
    emitted = await asyncio.gather(*(scan.scan_once(app.state.sessions) for _ in range(3)))
    assert sum(emitted) == 1 and await scan.scan_once(app.state.sessions) == 0
    async with app.state.sessions() as session:
        [payload] = (
            (
                await session.execute(
                    text("SELECT payload FROM outbox WHERE event_type = 'officer.qualification_changed' AND key = :id"),
                    {"id": officer["id"]},
                )
            )
            .scalars()
            .all()
        )
    assert payload["data"]["from"] == "active" and payload["data"]["to"] == "uncertified"
    assert payload["data"]["basis"] == ["CASE-3"]
    assert payload["data"]["effective_on"] == (today() + timedelta(days=1)).isoformat()


async def qualification_changes(app) -> list[dict]:
    """The officer.qualification_changed events in the outbox, in order."""
    async with app.state.sessions() as session:
        query = text("SELECT payload FROM outbox WHERE event_type = 'officer.qualification_changed' ORDER BY id")
        return list((await session.execute(query)).scalars().all())


async def test_REV_12_a_withdrawn_REV_8_suspension_is_lifted_with_basis_unless_another_ground_holds(
    world, app, client, as_headers
) -> None:
    """review.officer_sanction_withdrawn at level suspension (the file voided under REV-12):
    the REV-8 suspension no longer stands — lifted, with basis, without the training and
    assessment a standing REV-8 suspension needs; kept when ERR-11 also holds it; a withdrawn
    criticism changes nothing; applied again, nothing changes."""
    from enforcement_common.contracts.review import ReviewOfficerSanctionWithdrawn
    from enforcement_common.testing.delivery import apply_without_inbox, deliver

    admin = as_headers("admin")
    lifted, held = world.officers["甲"], world.officers["乙"]
    unit = world.units["T1"]

    def sanctioned(officer: str) -> ReviewOfficerSanctioned:
        return ReviewOfficerSanctioned(
            officer_id=officer,
            unit_id=unit,
            year=today().year,
            level="suspension",
            unqualified_count=3,
            lead_cases=6,
            basis=["REV-8"],
        )

    def withdrawn(officer: str, level: str = "suspension") -> ReviewOfficerSanctionWithdrawn:
        return ReviewOfficerSanctionWithdrawn(
            officer_id=officer,
            unit_id=unit,
            year=today().year,
            level=level,
            reason="案件于复议申请日早于评查完成，案卷不再评查 (REV-12)",
            unqualified_count=2,
            lead_cases=6,
            basis=["REV-12", "REV-8"],
        )

    for officer in (lifted, held):
        await deliver(app, sanctioned(officer))
    await deliver(
        app,
        SanctionImposed(
            error_case_id=uuid.uuid4(),
            officer_id=held,
            unit_id=unit,
            sanctions=["suspend_enforcement"],
            effective_on=today(),
        ),
    )
    assert (await client.get(f"{OFFICERS}/{held}", headers=admin)).json()["restriction_basis"] == ["REV-8", "ERR-11"]

    await deliver(app, withdrawn(lifted, "criticism"))
    assert (await client.get(f"{OFFICERS}/{lifted}", headers=admin)).json()["qualification_status"] == "suspended"
    for officer in (lifted, held):
        assert await deliver(app, withdrawn(officer), times=2) == [True, False]
    first = (await client.get(f"{OFFICERS}/{lifted}", headers=admin)).json()
    assert first["qualification_status"] == "active" and first["restriction_basis"] == []
    second = (await client.get(f"{OFFICERS}/{held}", headers=admin)).json()
    assert second["qualification_status"] == "suspended" and second["restriction_basis"] == ["ERR-11"]

    changes = await qualification_changes(app)
    reinstated = [c["data"] for c in changes if c["data"]["to"] == "active"]
    assert [(c["officer_id"], c["basis"]) for c in reinstated] == [(lifted, ["REV-12", "REV-8"])]
    await apply_without_inbox(app, withdrawn(lifted))
    await apply_without_inbox(app, withdrawn(held))
    assert len(await qualification_changes(app)) == len(changes), "applied again, nothing changes"
    assert (await client.get(f"{OFFICERS}/{held}", headers=admin)).json()["restriction_basis"] == ["ERR-11"]


async def test_TOL_15_a_withdrawn_ERR_11_suspension_is_lifted_unless_REV_8_still_holds_it(
    world, app, client, as_headers
) -> None:
    """accountability.sanction_withdrawn (a tolerance decision granted after the determination,
    TOL-15, or an appeal, ERR-12): a suspension resting on ERR-11 alone is lifted with basis;
    one also held by REV-8 stays on REV-8; a withdrawal without suspend_enforcement, or applied
    again, changes nothing."""
    from enforcement_common.contracts.accountability import SanctionWithdrawn
    from enforcement_common.testing.delivery import apply_without_inbox, deliver

    admin = as_headers("admin")
    alone, both = world.officers["甲"], world.officers["乙"]
    unit = world.units["T1"]
    error_case = uuid.uuid4()
    for officer in (alone, both):
        await deliver(
            app,
            SanctionImposed(
                error_case_id=error_case,
                officer_id=officer,
                unit_id=unit,
                sanctions=["suspend_enforcement"],
                effective_on=today(),
            ),
        )
    await deliver(
        app,
        ReviewOfficerSanctioned(
            officer_id=both,
            unit_id=unit,
            year=today().year,
            level="suspension",
            unqualified_count=3,
            lead_cases=6,
            basis=["REV-8"],
        ),
    )

    def withdrawn(officer: str, sanctions: list[str]) -> SanctionWithdrawn:
        return SanctionWithdrawn(
            error_case_id=error_case,
            officer_id=officer,
            unit_id=unit,
            sanctions=sanctions,
            reason="事后作出免责决定 (TOL-15)",
            basis=["TOL-15"],
            effective_on=today(),
        )

    await deliver(app, withdrawn(alone, ["written_self_criticism"]))
    assert (await client.get(f"{OFFICERS}/{alone}", headers=admin)).json()["qualification_status"] == "suspended"
    for officer in (alone, both):
        assert await deliver(app, withdrawn(officer, ["suspend_enforcement"]), times=2) == [True, False]
    lifted = (await client.get(f"{OFFICERS}/{alone}", headers=admin)).json()
    assert lifted["qualification_status"] == "active" and lifted["restriction_basis"] == []
    kept = (await client.get(f"{OFFICERS}/{both}", headers=admin)).json()
    assert kept["qualification_status"] == "suspended" and kept["restriction_basis"] == ["REV-8"]
    changes = await qualification_changes(app)
    reinstated = [c["data"] for c in changes if c["data"]["to"] == "active"]
    assert [(c["officer_id"], c["basis"]) for c in reinstated] == [(alone, ["TOL-15", "ERR-11"])]
    await apply_without_inbox(app, withdrawn(alone, ["suspend_enforcement"]))
    assert len(await qualification_changes(app)) == len(changes), "applied again, nothing changes"
