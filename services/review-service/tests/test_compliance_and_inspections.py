"""Issue 11 item 7 through the public API: compliance per period (year, half year, quarter)
rolled up over sub-units with the REV-17 target of the policy and the REV-10 yearly
inspection flag; REV-11 findings recording both the file's grade and its self-review's quality."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from enforcement_common.calendar import today
from enforcement_common.contracts.case import UnitCreated


async def complete_self_review(client, helpers, case_id, *, unit=None) -> dict:
    headers = helpers.headers("legal_affairs")  # the county's legal affairs, with its own reviewer
    body = {"case_id": str(case_id), "kind": "self", "reviewer_ids": [str(helpers.reviewer)], "basic": helpers.basic_ok}
    created = await client.post("/api/v1/reviews", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert (await helpers.transfer(client, case_id)).status_code == 200
    url = f"/api/v1/reviews/{created.json()['id']}/signatures"
    await client.post(url, json={"role": "legal_affairs_head"}, headers=headers)
    done = await client.post(
        url, json={"role": "reviewed_unit_head"}, headers=helpers.headers("unit_leader", unit=unit or helpers.unit)
    )
    assert done.status_code == 200, done.text
    return done.json()


async def compliance(client, helpers, unit, **params) -> dict:
    response = await client.get(
        "/api/v1/compliance", params={"unit_id": str(unit), **params}, headers=helpers.headers("legal_affairs")
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_REV_17_flags_a_rate_below_the_policy_target_and_the_target_is_a_policy_value(
    client, deliver, helpers
) -> None:
    year = today().year
    done, missed = (helpers.closed(uuid.uuid4(), today() - timedelta(days=40)) for _ in range(2))
    for case in (done, missed):
        await deliver(case)
    await complete_self_review(client, helpers, done.case_id)
    seed = await compliance(client, helpers, helpers.unit, year=year)
    assert seed["self_review_rate"] == 0.5 and seed["target_rate"] == 1.0
    assert seed["meets_target"] is False and seed["rev17_flag"] is True, "below 100%: flagged, not only at zero"
    issued = await client.post(
        "/api/v1/policies",
        json={
            "issuer_unit_id": str(helpers.unit),
            "effective_from": today().isoformat(),  # in force at the end of the year (REV-6 period)
            "values": {"self_review_rate_target": 50},
            "source": {"title": "某县案卷评查考核办法（测试）", "document_number": "测试〔2026〕9号"},
        },
        headers=helpers.headers("justice_bureau"),
    )
    assert issued.status_code == 201, issued.text
    relaxed = await compliance(client, helpers, helpers.unit, year=year)
    assert relaxed["target_rate"] == 0.5 and relaxed["meets_target"] is True and relaxed["rev17_flag"] is False
    assert relaxed["policy_id"] == issued.json()["id"]


async def test_REV_6_compliance_per_year_half_year_and_quarter_rolls_up_sub_units(
    app, client, deliver, helpers
) -> None:
    year = today().year - 1  # a year that has ended: every period is complete
    east, west = uuid.uuid4(), uuid.uuid4()
    for unit, code in ((east, "E"), (west, "W")):
        await deliver(UnitCreated(unit_id=unit, code=code, name=f"{code}镇", kind="township", parent_id=helpers.unit))
    q1 = helpers.closed(uuid.uuid4(), date(year, 2, 10), unit=east)
    q3 = helpers.closed(uuid.uuid4(), date(year, 8, 10), unit=west)
    own = helpers.closed(uuid.uuid4(), date(year, 11, 10))
    for case in (q1, q3, own):
        await deliver(case)
    await complete_self_review(client, helpers, q1.case_id, unit=east)

    whole = await compliance(client, helpers, helpers.unit, period=str(year))
    assert whole["includes_sub_units"] is True and whole["obligations"] == 3 and whole["reviewed"] == 1
    assert whole["period_start"] == f"{year}-01-01" and whole["period_end"] == f"{year}-12-31"
    assert {s["unit_id"]: s["obligations"] for s in whole["sub_units"]} == {str(east): 1, str(west): 1}
    assert {s["unit_id"]: s["self_review_rate"] for s in whole["sub_units"]} == {str(east): 1.0, str(west): 0.0}
    assert (await compliance(client, helpers, helpers.unit, period=f"{year}Q1"))["obligations"] == 1
    h2 = await compliance(client, helpers, helpers.unit, period=f"{year}H2")
    assert h2["obligations"] == 2 and h2["reviewed"] == 0 and h2["rev17_flag"] is True
    assert (await compliance(client, helpers, helpers.unit, period=f"{year}Q2"))["obligations"] == 0
    east_only = await compliance(client, helpers, east, period=f"{year}H1")
    assert east_only["includes_sub_units"] is False and east_only["meets_target"] is True
    assert (await compliance(client, helpers, helpers.unit, year=year))["obligations"] == 3, "year= still answers"

    for params in ({"period": f"{year}Q5"}, {}, {"period": f"{year}Q1", "year": year + 1}):
        refused = await client.get(
            "/api/v1/compliance", params={"unit_id": str(helpers.unit), **params}, headers=helpers.headers("admin")
        )
        assert refused.status_code == 422, params
    # A sub-unit's head sees its own unit only; the unit above answers 404, like an unknown unit.
    for unit in (helpers.unit, uuid.uuid4()):
        hidden = await client.get(
            "/api/v1/compliance",
            params={"unit_id": str(unit), "period": str(year)},
            headers=helpers.headers("legal_affairs", unit=east),
        )
        assert hidden.status_code == 404


async def test_REV_10_a_year_ended_without_a_hierarchical_inspection_is_flagged(client, deliver, helpers) -> None:
    last_year = today().year - 1
    before = await compliance(client, helpers, helpers.unit, period=str(last_year))
    assert before["inspections_in_year"] == 0 and before["rev10_flag"] is True
    running = await compliance(client, helpers, helpers.unit, period=str(today().year))
    assert running["rev10_flag"] is None, "the year is still running: not yet a breach"
    drawn = await client.post(
        "/api/v1/inspections",
        json={"unit_id": str(helpers.unit), "year": last_year},
        headers=helpers.headers("justice_bureau"),
    )
    assert drawn.status_code == 201
    after = await compliance(client, helpers, helpers.unit, period=f"{last_year}Q4")
    assert after["inspections_in_year"] == 1 and after["rev10_flag"] is False


async def test_REV_11_a_finding_records_the_files_grade_and_its_self_reviews_quality(client, deliver, helpers) -> None:
    closed = today() - timedelta(days=5)
    reviewed, unreviewed = (helpers.closed(uuid.uuid4(), closed) for _ in range(2))
    not_drawn = helpers.closed(uuid.uuid4(), date(closed.year - 1, 6, 1))  # another year's ledger
    for case in (reviewed, unreviewed, not_drawn):
        await deliver(case)
    self_review = await complete_self_review(client, helpers, reviewed.case_id)
    bureau = helpers.headers("justice_bureau")
    inspection = (
        await client.post(
            "/api/v1/inspections", json={"unit_id": str(helpers.unit), "year": closed.year}, headers=bureau
        )
    ).json()
    assert set(inspection["drawn"]["penalty"]) == {str(reviewed.case_id), str(unreviewed.case_id)}
    assert inspection["findings"] == [] and inspection["files_without_finding"] == 2
    url = f"/api/v1/inspections/{inspection['id']}/findings"
    mismatch = await client.post(
        url,
        json={"case_id": str(reviewed.case_id), "file_grade": "qualified", "self_review_quality": "not_done"},
        headers=bureau,
    )
    assert mismatch.status_code == 422 and mismatch.json()["code"] == "inspection.self_review_quality_mismatch"
    deficient = await client.post(
        url,
        json={
            "case_id": str(reviewed.case_id),
            "file_grade": "qualified",
            "file_score": 85,
            "self_review_quality": "deficient",
            "problems": ["自查未发现送达程序瑕疵"],
        },
        headers=bureau,
    )
    assert deficient.status_code == 201, deficient.text
    finding = deficient.json()
    assert finding["self_review_id"] == self_review["id"] and finding["self_review_grade"] == "excellent"
    assert finding["file_grade"] == "qualified" and finding["basis"] == ["REV-11"]
    again = await client.post(
        url,
        json={"case_id": str(reviewed.case_id), "file_grade": "qualified", "self_review_quality": "good"},
        headers=bureau,
    )
    assert again.status_code == 409 and again.json()["code"] == "inspection.finding_exists"
    claimed = await client.post(
        url,
        json={"case_id": str(unreviewed.case_id), "file_grade": "excellent", "self_review_quality": "good"},
        headers=bureau,
    )
    assert claimed.status_code == 422 and claimed.json()["basis"] == ["REV-11"], "no self-review to judge as good"
    missing = await client.post(
        url,
        json={"case_id": str(unreviewed.case_id), "file_grade": "unqualified", "self_review_quality": "not_done"},
        headers=bureau,
    )
    assert missing.status_code == 201 and missing.json()["self_review_id"] is None
    outside = await client.post(
        url,
        json={"case_id": str(not_drawn.case_id), "file_grade": "qualified", "self_review_quality": "not_done"},
        headers=bureau,
    )
    assert outside.status_code == 422 and outside.json()["code"] == "inspection.file_not_drawn"
    unknown = await client.post(
        url,
        json={"case_id": str(uuid.uuid4()), "file_grade": "qualified", "self_review_quality": "not_done"},
        headers=bureau,
    )
    assert unknown.status_code == 404
    read = (await client.get(f"/api/v1/inspections/{inspection['id']}", headers=bureau)).json()
    assert {f["case_id"]: f["self_review_quality"] for f in read["findings"]} == {
        str(reviewed.case_id): "deficient",
        str(unreviewed.case_id): "not_done",
    }
    assert read["files_without_finding"] == 0
    assert (
        await client.post(
            url,
            json={"case_id": str(unreviewed.case_id), "file_grade": "qualified", "self_review_quality": "not_done"},
            headers=helpers.headers("legal_affairs"),
        )
    ).status_code == 403, "the justice bureau inspects"
