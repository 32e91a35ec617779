"""Across services, through their public APIs, on the real PostgreSQL and Kafka: a reconsideration
concluded ``revoked`` in case-service opens exactly one error case in accountability-service (ERR-5),
also when the remedy's event comes again; a determination with ``suspend_enforcement`` (ERR-11) makes
case-service suspend the officer, which then refuses them as handler of a new case (CASE-3); a
tolerance exemption for a case (tolerance.decided, as tolerance-service publishes it on Kafka) makes
sanctioning that respondent refused (TOL-15), and one granted after the determination withdraws the
sanction (accountability.sanction_withdrawn)."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select, text

from accountability_service.config import Settings as AccountabilitySettings
from accountability_service.main import create_app as create_accountability_app
from accountability_service.models import ToleranceDecision
from case_service.config import Settings as CaseSettings
from case_service.main import create_app as create_case_app
from enforcement_common.calendar import today
from enforcement_common.contracts.tolerance import ToleranceDecided
from enforcement_common.directory import case_views
from enforcement_common.events.envelope import build_envelope, encode_envelope, kafka_headers
from enforcement_common.testing.infra import kafka_bootstrap
from enforcement_common.testing.stack import ServiceSpec, eventually, stack_auth, start_services

auth = stack_auth


async def publish_as_tolerance_service(decision: ToleranceDecided) -> None:
    """tolerance.decided on Kafka exactly as tolerance-service's outbox relay publishes it."""
    envelope = build_envelope(decision, source="tolerance-service")
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap())
    await producer.start()
    try:
        await producer.send_and_wait(
            decision.topic,
            value=encode_envelope(envelope),
            key=str(decision.application_id).encode(),
            headers=kafka_headers(envelope),
        )
    finally:
        await producer.stop()


@pytest.mark.timeout(400)
async def test_remedy_error_case_suspension_and_tolerance_across_services() -> None:
    async with AsyncExitStack() as stack:
        running = await start_services(
            stack,
            case=ServiceSpec(create_case_app, CaseSettings, "case_service"),
            acc=ServiceSpec(
                create_accountability_app,
                AccountabilitySettings,
                "accountability_service",
                {"scan_interval_seconds": 1},
            ),
        )
        cases, acc, acc_app = running["case"].client, running["acc"].client, running["acc"].app

        admin = auth("admin")
        unit = (
            await cases.post(
                "/api/v1/units",
                json={"code": f"A{uuid.uuid4().hex[:6]}", "name": "城关镇", "short_name": "城关", "kind": "county"},
                headers=admin,
            )
        ).json()["id"]
        certificate = {"issued_on": "2024-01-01", "expires_on": (today() + timedelta(days=365)).isoformat()}
        officers = {}
        for key in ("lead", "co", "investigator", "spare"):
            created = await cases.post(
                "/api/v1/officers",
                json={
                    "unit_id": unit,
                    "name": f"执法员{key}",
                    "staff_type": "established",
                    "certificate": {"number": f"{key}{uuid.uuid4().hex[:6]}", **certificate},
                },
                headers=admin,
            )
            assert created.status_code == 201, created.text
            officers[key] = created.json()["id"]
        handler = auth("officer", "legal_affairs", unit=unit)
        legal = auth("legal_affairs", unit=unit)
        leader = auth("unit_leader", unit=unit)

        async def file(lead: str, co: str) -> dict:
            body = {
                "unit_id": unit,
                "category": "penalty",
                "title": "无照经营",
                "party": {"name": "某商店", "kind": "organization"},
                "lead_handler_id": officers[lead],
                "co_handler_ids": [officers[co]],
                "filed_on": (today() - timedelta(days=20)).isoformat(),
            }
            created = await cases.post("/api/v1/cases", json=body, headers=handler)
            assert created.status_code == 201, created.text
            return created.json()

        async def decide(case_id: str) -> None:
            """A remedy needs a decided case (CASE-8): investigated, then decided 15 days ago."""
            decision = {
                "decision_type": "警告",
                "penalty_kinds": ["warning"],
                "decided_on": (today() - timedelta(days=15)).isoformat(),
                "legal_basis": "《某条例》第十条",
            }
            for action, payload in (("investigation", {}), ("decision", decision)):
                response = await cases.post(f"/api/v1/cases/{case_id}/{action}", json=payload, headers=handler)
                assert response.status_code == 200, response.text

        async def error_cases(case_id: str) -> list[dict]:
            answer = await acc.get("/api/v1/error-cases", params={"case_id": case_id}, headers=legal)
            return answer.json()["items"] if answer.status_code == 200 else []

        # ERR-5: a reconsideration concluded "revoked" in case-service ⇒ exactly one error case.
        first = await file("lead", "co")
        await decide(first["id"])
        remedy = await cases.post(
            f"/api/v1/cases/{first['id']}/legal-remedies",
            json={
                "kind": "reconsideration",
                "status": "concluded",
                "result": "revoked",
                "filed_on": (today() - timedelta(days=10)).isoformat(),
                "concluded_on": today().isoformat(),
            },
            headers=legal,
        )
        assert remedy.status_code == 201, remedy.text
        opened = await eventually(lambda: error_cases(first["id"]), what="error case opened from the remedy")
        assert [(c["source"], c["remedy_id"]) for c in opened] == [("reconsideration", remedy.json()["id"])]
        # The same remedy's event again (a correction of its result), then a litigation on the same case:
        # events of one case keep their order, so once the litigation's error case is there, the
        # remedy's second event was handled — and opened nothing new.
        again = await cases.patch(
            f"/api/v1/cases/{first['id']}/legal-remedies/{remedy.json()['id']}",
            json={"result": "changed"},
            headers={**legal, "If-Match": f'"{remedy.json()["version"]}"'},
        )
        assert again.status_code == 200, again.text
        await cases.post(
            f"/api/v1/cases/{first['id']}/legal-remedies",
            json={
                "kind": "litigation",
                "status": "concluded",
                "result": "ordered_redo",
                "filed_on": today().isoformat(),
                "concluded_on": today().isoformat(),
            },
            headers=legal,
        )

        async def two():
            found = await error_cases(first["id"])
            return found if len(found) == 2 else None

        both = await eventually(two, what="the litigation's error case")
        assert sorted(c["source"] for c in both) == ["litigation", "reconsideration"]
        error_case = opened[0]["id"]

        # ERR-10, ERR-11: investigated, found and decided with suspend_enforcement.
        team = await acc.post(
            f"/api/v1/error-cases/{error_case}/investigation",
            json={
                "member_ids": [officers["investigator"]],
                "appointed_by": "局长",
                "appointed_on": today().isoformat(),
            },
            headers=leader,
        )
        assert team.status_code == 200, team.text
        found = await acc.post(
            f"/api/v1/error-cases/{error_case}/findings",
            json={"respondents": [{"officer_id": officers["lead"], "behaviours": ["L5"]}]},
            headers=legal,
        )
        assert found.status_code == 200, found.text
        decided = await acc.post(
            f"/api/v1/error-cases/{error_case}/determination",
            json={
                "decided_on": today().isoformat(),
                "collective_discussion_on": today().isoformat(),
                "is_error_case": True,
                "respondents": [
                    {"officer_id": officers["lead"], "handling": "ordinary", "sanctions": ["suspend_enforcement"]}
                ],
            },
            headers=leader,
        )
        assert decided.status_code == 200, decided.text

        async def qualification(key: str) -> str:
            return (await cases.get(f"/api/v1/officers/{officers[key]}", headers=admin)).json()["qualification_status"]

        async def suspended():
            return await qualification("lead") == "suspended"

        await eventually(suspended, what="officer suspended in case-service")
        refused = await cases.post(
            "/api/v1/cases",
            json={
                "unit_id": unit,
                "category": "penalty",
                "title": "x",
                "party": {"name": "p", "kind": "person"},
                "lead_handler_id": officers["lead"],
                "co_handler_ids": [officers["co"]],
            },
            headers=handler,
        )
        assert refused.status_code == 422 and refused.json()["code"] == "case.handler_not_qualified"
        assert refused.json()["basis"] == ["CASE-3"]

        # TOL-15: an exemption for the second case's handler ⇒ sanctioning them is refused.
        second = await file("co", "spare")
        exemption = ToleranceDecided(
            application_id=uuid.uuid4(),
            unit_id=uuid.UUID(unit),
            officer_ids=[uuid.UUID(officers["co"])],
            case_id=uuid.UUID(second["id"]),
            outcome="exempted",
            mitigation_kind=None,
            decided_on=today(),
            notify_due_on=today() + timedelta(days=7),
            basis=["TOL-11"],
        )
        await publish_as_tolerance_service(exemption)

        async def known(application_id: uuid.UUID):
            async with acc_app.state.sessions() as session:
                return await session.scalar(
                    select(ToleranceDecision).where(ToleranceDecision.application_id == application_id)
                )

        await eventually(lambda: known(exemption.application_id), what="tolerance decision known")

        async def case_known(case_id: str):
            # The second case reaches accountability's case directory through case.filed (eventually).
            async with acc_app.state.sessions() as session:
                return await session.scalar(select(case_views.c.case_id).where(case_views.c.case_id == case_id))

        await eventually(lambda: case_known(second["id"]), what="second case in the directory")
        ec2 = await acc.post(
            "/api/v1/error-cases",
            json={
                "source": "superior_finding",
                "case_id": second["id"],
                "unit_id": unit,
                "description": "上级机关调查认定存在错误",
                "received_on": today().isoformat(),
            },
            headers=legal,
        )
        assert ec2.status_code == 201, ec2.text
        ec2 = ec2.json()["id"]
        await acc.post(
            f"/api/v1/error-cases/{ec2}/investigation",
            json={
                "member_ids": [officers["investigator"]],
                "appointed_by": "局长",
                "appointed_on": today().isoformat(),
            },
            headers=leader,
        )
        await acc.post(
            f"/api/v1/error-cases/{ec2}/findings",
            json={"respondents": [{"officer_id": officers["co"], "behaviours": ["L4"]}]},
            headers=legal,
        )
        sanctioned = await acc.post(
            f"/api/v1/error-cases/{ec2}/determination",
            json={
                "decided_on": today().isoformat(),
                "collective_discussion_on": today().isoformat(),
                "is_error_case": True,
                "respondents": [
                    {"officer_id": officers["co"], "handling": "ordinary", "sanctions": ["suspend_enforcement"]}
                ],
            },
            headers=leader,
        )
        assert sanctioned.status_code == 422 and sanctioned.json()["basis"] == ["TOL-15"]

        # TOL-15 later: an exemption for the first case's lead after the determination withdraws the sanction.
        later = exemption.model_copy(
            update={
                "application_id": uuid.uuid4(),
                "officer_ids": [uuid.UUID(officers["lead"])],
                "case_id": uuid.UUID(first["id"]),
            }
        )
        await publish_as_tolerance_service(later)

        async def withdrawn():
            case = (await acc.get(f"/api/v1/error-cases/{error_case}", headers=legal)).json()
            respondent = case["respondents"][0]
            return respondent if respondent["tolerated"] else None

        respondent = await eventually(withdrawn, what="sanction withdrawn after the later exemption")
        assert respondent["sanctions"] == [] and respondent["withdrawn_sanctions"] == ["suspend_enforcement"]
        async with acc_app.state.sessions() as session:
            events = (
                (
                    await session.execute(
                        text("SELECT payload FROM outbox WHERE event_type = 'accountability.sanction_withdrawn'")
                    )
                )
                .scalars()
                .all()
            )
        assert [e["data"]["basis"] for e in events] == [["TOL-15"]]

        # case-service lifts the suspension that rested on ERR-11 alone (basis TOL-15).
        async def reinstated():
            return await qualification("lead") == "active"

        await eventually(reinstated, what="officer reinstated in case-service after the withdrawal")
        lead = (await cases.get(f"/api/v1/officers/{officers['lead']}", headers=admin)).json()
        assert lead["restriction_basis"] == []
