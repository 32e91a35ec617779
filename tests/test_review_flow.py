"""Across services, through their public APIs, on the real PostgreSQL and Kafka:
closing a case in case-service creates the self-review obligation in review-service
(REV-5); a remedy excludes it (REV-12); three failed reviews of a handler with at most
ten lead cases suspend the officer (REV-8), and case-service then refuses that officer
as handler of a new case (CASE-3); a reconsideration filed before a failed review completed
voids it (REV-12) and case-service lifts the suspension that no longer stands."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest

from case_service.config import Settings as CaseSettings
from case_service.main import create_app as create_case_app
from enforcement_common.calendar import today
from enforcement_common.testing.stack import ServiceSpec, eventually, stack_auth, start_services
from review_service.config import Settings as ReviewSettings
from review_service.main import create_app as create_review_app

BASIC_FAILED = {
    "subject_lawful": True,
    "facts_clear": False,
    "evidence_conclusive": True,
    "procedure_lawful": True,
    "law_correctly_applied": True,
    "act_appropriate": True,
}


auth = stack_auth


@pytest.mark.timeout(300)
async def test_close_remedy_and_three_failed_reviews_across_services() -> None:
    async with AsyncExitStack() as stack:
        running = await start_services(
            stack,
            case=ServiceSpec(create_case_app, CaseSettings, "case_service"),
            review=ServiceSpec(
                create_review_app, ReviewSettings, "review_service", {"obligation_scan_interval_seconds": 1}
            ),
        )
        cases, reviews = running["case"].client, running["review"].client

        admin = auth("admin")
        unit = (
            await cases.post(
                "/api/v1/units",
                json={"code": f"X{uuid.uuid4().hex[:6]}", "name": "城关镇", "short_name": "城关", "kind": "county"},
                headers=admin,
            )
        ).json()["id"]
        certificate = {"issued_on": "2024-01-01", "expires_on": (today() + timedelta(days=365)).isoformat()}
        officers = [
            (
                await cases.post(
                    "/api/v1/officers",
                    json={
                        "unit_id": unit,
                        "name": name,
                        "staff_type": "established",
                        "certificate": {"number": f"{name}{uuid.uuid4().hex[:6]}", **certificate},
                    },
                    headers=admin,
                )
            ).json()["id"]
            for name in ("甲", "乙", "丙")  # 丙: legal affairs, the reviewer
        ]
        officer = auth("officer", "legal_affairs", unit=unit)

        async def closed_case() -> dict:
            body = {
                "unit_id": unit,
                "category": "penalty",
                "title": "占道经营",
                "party": {"name": "某商店", "kind": "organization"},
                "lead_handler_id": officers[0],
                "co_handler_ids": [officers[1]],
                "filed_on": (today() - timedelta(days=20)).isoformat(),
            }
            case = (await cases.post("/api/v1/cases", json=body, headers=officer)).json()
            on = today().isoformat()
            for action, payload in (
                ("investigation", {}),
                (
                    "decision",
                    {
                        "decision_type": "罚款",
                        "penalty_kinds": ["fine"],
                        "fine_amount": "500",
                        "decided_on": on,
                        "legal_basis": "x",
                    },
                ),
                ("service", {"served_on": on, "method": "direct"}),
                ("closure", {"closed_on": on}),
            ):
                response = await cases.post(f"/api/v1/cases/{case['id']}/{action}", json=payload, headers=officer)
                assert response.status_code == 200, response.text
            return case

        async def obligation(case_id: str, status: str | None = None):
            async def probe():
                items = (
                    await reviews.get(
                        "/api/v1/obligations", params={"case_id": case_id}, headers=auth("legal_affairs", unit=unit)
                    )
                ).json()["items"]
                return items[0] if items and (status is None or items[0]["status"] == status) else None

            return await eventually(probe, what=f"obligation of {case_id} {status or ''}")

        # REV-5: closure in case-service ⇒ obligation in review-service, due closed_on + 30 days.
        first = await closed_case()
        created = await obligation(first["id"])
        assert created["due_on"] == (today() + timedelta(days=30)).isoformat() and created["status"] == "pending"

        # REV-12: a reconsideration filed in case-service ⇒ the obligation is excluded.
        second = await closed_case()
        await obligation(second["id"])
        remedy = await cases.post(
            f"/api/v1/cases/{second['id']}/legal-remedies",
            json={"kind": "reconsideration", "filed_on": today().isoformat()},
            headers=auth("legal_affairs", unit=unit),
        )
        assert remedy.status_code == 201
        assert (await obligation(second["id"], "excluded"))["basis"] == ["REV-5", "REV-12"]

        # REV-8: three unqualified files (≤ 10 lead cases) ⇒ suspension ⇒ CASE-3 refuses the officer.
        failed_reviews = []
        for case in (first, await closed_case(), await closed_case()):
            owed = await obligation(case["id"])
            transferred = await reviews.post(  # REV-5: the file goes to legal affairs first
                f"/api/v1/obligations/{owed['id']}/submission",
                json={"submitted_on": today().isoformat()},
                headers=auth("unit_leader", unit=unit),
            )
            assert transferred.status_code == 200, transferred.text
            body = {
                "case_id": case["id"],
                "kind": "self",
                "reviewer_ids": [officers[2]],  # known to review-service once officer.registered arrived
                "basic": BASIC_FAILED,
                "problems": ["认定事实不清"],  # REV-7
            }

            async def recorded(body=body):
                response = await reviews.post("/api/v1/reviews", json=body, headers=auth("legal_affairs", unit=unit))
                return response.json() if response.status_code == 201 else None

            review = await eventually(recorded, what="review recorded with a known reviewer")
            failed_reviews.append(review)
            await reviews.post(
                f"/api/v1/reviews/{review['id']}/signatures",
                json={"role": "legal_affairs_head"},
                headers=auth("legal_affairs", unit=unit),
            )
            done = await reviews.post(
                f"/api/v1/reviews/{review['id']}/signatures",
                json={"role": "reviewed_unit_head"},
                headers=auth("unit_leader", unit=unit),
            )
            assert done.json()["grade"] == "unqualified"
        assessment = (
            await reviews.get(
                "/api/v1/assessments", params={"officer_id": officers[0]}, headers=auth("legal_affairs", unit=unit)
            )
        ).json()["items"][0]
        assert (
            assessment["unqualified_count"] == 3
            and assessment["lead_cases"] == 4
            and assessment["consequence"] == "suspension"
        )

        async def suspended():
            return (await cases.get(f"/api/v1/officers/{officers[0]}", headers=admin)).json()[
                "qualification_status"
            ] == "suspended"

        await eventually(suspended, what="officer suspended in case-service")
        refused = await cases.post(
            "/api/v1/cases",
            json={
                "unit_id": unit,
                "category": "penalty",
                "title": "x",
                "party": {"name": "p", "kind": "person"},
                "lead_handler_id": officers[0],
                "co_handler_ids": [officers[1]],
            },
            headers=officer,
        )
        assert (
            refused.status_code == 422
            and refused.json()["code"] == "case.handler_not_qualified"
            and refused.json()["basis"] == ["CASE-3"]
        )
        officer_now = (await cases.get(f"/api/v1/officers/{officers[0]}", headers=admin)).json()
        assert officer_now["restriction_basis"] == ["REV-8"]

        # REV-12 by filing date: a reconsideration of the first file, filed today (the day its
        # self-review completed), recorded after completion ⇒ the review voided, the suspension
        # withdrawn in review-service and lifted in case-service, with basis.
        late_remedy = await cases.post(
            f"/api/v1/cases/{first['id']}/legal-remedies",
            json={"kind": "reconsideration", "filed_on": today().isoformat()},
            headers=auth("legal_affairs", unit=unit),
        )
        assert late_remedy.status_code == 201, late_remedy.text

        async def reinstated():
            return (await cases.get(f"/api/v1/officers/{officers[0]}", headers=admin)).json()[
                "qualification_status"
            ] == "active"

        await eventually(reinstated, what="REV-8 suspension lifted in case-service")
        voided = (
            await reviews.get(f"/api/v1/reviews/{failed_reviews[0]['id']}", headers=auth("legal_affairs", unit=unit))
        ).json()
        assert voided["status"] == "voided" and voided["voided"]["basis"] == ["REV-12"]
        assessment = (
            await reviews.get(
                "/api/v1/assessments", params={"officer_id": officers[0]}, headers=auth("legal_affairs", unit=unit)
            )
        ).json()["items"][0]
        assert assessment["unqualified_count"] == 2 and assessment["withdrawn"] == ["suspension"]
