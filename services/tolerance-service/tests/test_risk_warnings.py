"""Risk warnings (易错风险点, TOL-18) as applications come in: the same ground, the same case
category, the same unit within the policy's window and threshold; one warning and one
tolerance.risk_alert per key and window, with the cases and applications behind it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tolerance_testing import UNIT, auth, issue_policy, outbox

from enforcement_common.calendar import today
from enforcement_common.testing.outbox import assert_outbox_matches_schemas
from tolerance_service.policy import TEMPLATES


async def warnings(client, **params) -> list[dict]:
    response = await client.get("/api/v1/risk-warnings", params=params, headers=auth("unit_leader"))
    assert response.status_code == 200, response.text
    return response.json()["items"]


def days_ago(n: int) -> str:
    return (today() - timedelta(days=n)).isoformat()


async def test_TOL_18_the_threshold_within_the_window_warns_once_per_key(app, client, flow) -> None:
    first = [await flow.apply(incident_on=days_ago(30 - n)) for n in range(2)]
    assert await warnings(client) == []  # two: below the default threshold of 3
    third = await flow.apply(incident_on=days_ago(10))
    issued = {(w["dimension"], w["value"]): w for w in await warnings(client)}
    assert set(issued) == {("unit", str(UNIT)), ("category", "penalty"), ("ground", "TG6")}
    ground = issued[("ground", "TG6")]
    assert ground["count"] == 3 and ground["threshold"] == 3 and ground["basis"] == ["TOL-18"]
    assert set(ground["application_ids"]) == {a["id"] for a in [*first, third]}
    assert ground["case_ids"] == [first[0]["case_id"]]
    assert ground["window_from"] == days_ago(30) and ground["window_to"] == days_ago(30 - 89)
    assert ground["policy_id"] == third["policy_id"]
    alerts = await outbox(app, "tolerance.risk_alert")
    assert len(alerts) == 3

    fourth = await flow.apply(incident_on=days_ago(5))  # the same window: joins, no second alert
    again = {(w["dimension"], w["value"]): w for w in await warnings(client)}
    assert again[("ground", "TG6")]["count"] == 4 and fourth["id"] in again[("ground", "TG6")]["application_ids"]
    assert len(await outbox(app, "tolerance.risk_alert")) == 3
    await assert_outbox_matches_schemas(app)


async def test_TOL_18_applications_spread_beyond_the_window_do_not_warn_and_a_new_window_counts_afresh(
    client, flow
) -> None:
    for n in (400, 250, 100):  # three, but never three within 90 days
        await flow.apply(incident_on=days_ago(n))
    assert await warnings(client, dimension="ground") == []
    for n in (300, 299, 298):
        await flow.apply(incident_on=days_ago(n))
    (old,) = await warnings(client, dimension="ground", value="TG6")
    assert old["window_from"] == days_ago(300)
    # days 250 and 100 are after the first window: with one more they are not yet three
    await flow.apply(incident_on=days_ago(99))
    assert len(await warnings(client, dimension="ground", value="TG6")) == 1
    await flow.apply(incident_on=days_ago(98))
    new = [w for w in await warnings(client, dimension="ground", value="TG6") if w["id"] != old["id"]]
    assert len(new) == 1 and new[0]["window_from"] == days_ago(100) and new[0]["count"] == 3


async def test_TOL_18_threshold_and_window_come_from_the_policy_in_force(app, client, flow) -> None:
    values = TEMPLATES["001"].values.model_copy(update={"risk_threshold": 2, "risk_window_days": 10})
    policy = await issue_policy(app, UNIT, today() - timedelta(days=100), values.model_dump(mode="json"), "严格版")
    await flow.apply(incident_on=days_ago(20), grounds={"due_diligence": [], "tolerance": [], "mitigation": ["MG1"]})
    await flow.apply(incident_on=days_ago(5), grounds={"due_diligence": [], "tolerance": [], "mitigation": ["MG1"]})
    assert await warnings(client, dimension="ground", value="MG1") == []  # 15 days apart: outside 10
    await flow.apply(incident_on=days_ago(4), grounds={"due_diligence": [], "tolerance": [], "mitigation": ["MG1"]})
    (warning,) = await warnings(client, dimension="ground", value="MG1")
    assert (warning["count"], warning["threshold"], warning["policy_id"]) == (2, 2, str(policy))


async def test_risk_warnings_are_scoped_to_the_callers_units(client, flow) -> None:
    for n in range(3):
        await flow.apply(incident_on=days_ago(10 + n))
    assert await warnings(client)
    elsewhere = await client.get("/api/v1/risk-warnings", headers=auth("unit_leader", unit=uuid.uuid4()))
    assert elsewhere.status_code == 200 and elsewhere.json()["items"] == []
