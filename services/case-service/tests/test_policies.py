"""CASE-9 under policy versions (CONTRACT.md "policies"): the periods and the number of
certified handlers of a case are those of the nearest issuing unit's version in force on
the fact's date (filing, decision), and every deadline names its policy_id."""

from __future__ import annotations

from datetime import timedelta

from enforcement_common.calendar import today

POLICIES = "/api/v1/policies"


async def issue(client, as_headers, unit: str, values: dict, title: str) -> str:
    response = await client.post(
        POLICIES,
        json={
            "issuer_unit_id": unit,
            "effective_from": today().isoformat(),
            "values": values,
            "source": {"title": title, "document_number": "测试〔2026〕1号"},
        },
        headers=as_headers("justice_bureau", unit=unit),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def decision_deadline(case: dict) -> dict:
    return {d["kind"]: d for d in case["deadlines"]}["decision"]


async def test_CASE_9_the_version_in_force_for_the_unit_on_the_filing_date_applies(client, world, as_headers) -> None:
    platform = (await client.get(POLICIES, params={"platform": "true"}, headers=as_headers("admin"))).json()["items"]
    # Two platform versions since the CASE-9 service periods per category (2026-12-01).
    by_date = {p["effective_from"]: p for p in platform}
    assert sorted(by_date) == ["2021-07-15", "2026-12-01"]
    assert by_date["2021-07-15"]["source"]["title"] == "中华人民共和国行政处罚法（2021年修订）"
    in_force_yesterday = max(day for day in by_date if day <= (today() - timedelta(days=1)).isoformat())
    default_id = by_date[in_force_yesterday]["id"]
    county = await issue(
        client,
        as_headers,
        world.units["XC"],
        {"deadlines": {"penalty": {"decision_days": 60}}, "min_handlers": {"penalty": 3}},
        "某县行政处罚办案规定",
    )
    township = await issue(
        client, as_headers, world.units["T2"], {"deadlines": {"penalty": {"decision_days": 30}}}, "西关镇办案规定"
    )
    yesterday = today() - timedelta(days=1)

    # Filed yesterday, before either version: the platform default (90 days, two handlers).
    earlier = (await world.file(filed_on=yesterday.isoformat())).json()
    assert decision_deadline(earlier)["policy_id"] == default_id
    assert decision_deadline(earlier)["due_on"] == (yesterday + timedelta(days=90)).isoformat()

    # Filed today in T1 (below the county): the county's version — three handlers, 60 days.
    refused = await world.file(expect=422)
    assert refused.json()["code"] == "case.too_few_handlers" and refused.json()["basis"] == ["CASE-9"]
    assert refused.json()["policy_id"] == county
    now = (await world.file(handlers=("甲", "乙", "丙"))).json()
    assert decision_deadline(now)["policy_id"] == county
    assert decision_deadline(now)["due_on"] == (today() + timedelta(days=60)).isoformat()

    # Filed today in T2, which issued its own: the nearest issuer wins (30 days, two handlers).
    own = (await world.file(unit="T2", handlers=("丁", "戊"))).json()
    assert decision_deadline(own)["policy_id"] == township
    assert decision_deadline(own)["due_on"] == (today() + timedelta(days=30)).isoformat()


async def test_CASE_9_the_service_period_is_that_of_the_version_in_force_on_the_decision(
    client, world, as_headers
) -> None:
    case = (await world.file(filed_on=(today() - timedelta(days=3)).isoformat())).json()
    county = await issue(
        client, as_headers, world.units["XC"], {"deadlines": {"penalty": {"decision_days": 90, "service_days": 5}}}, "x"
    )
    await world.act(case["id"], "investigation")
    decision = {
        "decision_type": "罚款",
        "penalty_kinds": ["fine"],
        "fine_amount": "100",
        "decided_on": today().isoformat(),
        "legal_basis": "x",
    }
    decided = (await world.act(case["id"], "decision", decision)).json()
    deadlines = {d["kind"]: d for d in decided["deadlines"]}
    assert deadlines["service"]["policy_id"] == county
    assert deadlines["decision"]["policy_id"] != county, "the decision period was set at filing, under the default"
