"""REV-5 and REV-15 under policy versions (CONTRACT.md "policies"): the self-review period
and the grade bands are those of the unit's version in force on the fact's date (closure,
review), and each determination names its policy_id."""

from __future__ import annotations

import uuid
from datetime import timedelta

from enforcement_common.calendar import today

POLICIES = "/api/v1/policies"


async def obligation_of(client, helpers, case_id) -> dict:
    items = (
        await client.get(
            "/api/v1/obligations", params={"case_id": str(case_id)}, headers=helpers.headers("legal_affairs")
        )
    ).json()["items"]
    assert len(items) == 1
    return items[0]


async def test_REV_5_and_REV_15_follow_the_version_in_force_and_name_it(client, deliver, helpers) -> None:
    default_id = (await client.get(POLICIES, params={"platform": "true"}, headers=helpers.headers("officer"))).json()[
        "items"
    ][0]["id"]
    before = helpers.closed(uuid.uuid4(), today() - timedelta(days=2))
    await deliver(before)

    issued = await client.post(
        POLICIES,
        json={
            "issuer_unit_id": str(helpers.unit),
            "effective_from": today().isoformat(),
            "values": {"self_review_days": 20, "grade_excellent_from": 95, "grade_qualified_from": 70},
            "source": {"title": "某县案卷评查实施细则（测试）", "document_number": "测试〔2026〕2号"},
        },
        headers=helpers.headers("justice_bureau"),
    )
    assert issued.status_code == 201, issued.text
    county = issued.json()["id"]
    after = helpers.closed(uuid.uuid4(), today())
    await deliver(after)

    old = await obligation_of(client, helpers, before.case_id)  # closed before the version: the seed's 30 days
    assert old["due_on"] == (before.closed_on + timedelta(days=30)).isoformat() and old["policy_id"] == default_id
    new = await obligation_of(client, helpers, after.case_id)
    assert new["due_on"] == (after.closed_on + timedelta(days=20)).isoformat() and new["policy_id"] == county

    # REV-15: 92 points is 合格 under the county's bands (优秀 from 95), recorded with its policy.
    body = {
        "case_id": str(after.case_id),
        "kind": "self",
        "reviewer_ids": [str(helpers.reviewer)],
        "basic": dict.fromkeys(
            (
                "subject_lawful",
                "facts_clear",
                "evidence_conclusive",
                "procedure_lawful",
                "law_correctly_applied",
                "act_appropriate",
            ),
            True,
        ),
        "general": {
            stage: {"deduction": 8 if stage == "filing" else 0, "notes": ""}
            for stage in ("filing", "investigation", "decision", "service_execution", "archiving")
        },
        "problems": [],
    }
    reviewed = await client.post("/api/v1/reviews", json=body, headers=helpers.headers("legal_affairs"))
    assert reviewed.status_code == 201, reviewed.text
    assert (reviewed.json()["score"], reviewed.json()["grade"]) == (92, "qualified")
    assert reviewed.json()["policy_id"] == county
