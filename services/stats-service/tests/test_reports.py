"""Reports: frozen with their positions, verified by re-derivation from the events, exported
(CSV, XLSX checked cell by cell, PDF rendered), submitted (STAT-4), due per policy (STAT-6)."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import text

from enforcement_common.testing.kit import headers
from enforcement_common.testing.outbox import assert_outbox_matches_schemas
from stats_service.reports.deadlines import ensure_annual_dues
from stats_service.reports.exports import CASE_HEADER, XLSX

Y = 2026
JAN = date(Y, 1, 10)


async def _world(deliver, world):
    county = world.unit("某县")
    town = world.unit("城关镇", county.unit_id, duties=("penalty", "inspection", "coercion"))
    for u in (county, town):
        await deliver(u)
    officers = [world.officer(town.unit_id, n) for n in ("甲", "乙")]
    for o in officers:
        await deliver(o)
    lead = officers[0].officer_id
    c1 = world.case(town.unit_id, lead, filed_on=JAN)
    c2 = world.case(town.unit_id, lead, filed_on=date(Y, 3, 3), category="inspection")
    for e in (
        c1,
        world.decided(
            c1, date(Y, 2, 1), kinds=["warning", "fine"], fine="1234.56", confiscation="50000.00", hearing=True
        ),
        world.closed(c1, date(Y, 2, 20), fine="1234.56", confiscation="50000.00", hearing=True),
        c2,
        world.training([o.officer_id for o in officers], start=JAN, hours=3),
    ):
        await deliver(e)
    return county, town, lead


async def _freeze(client, unit, period=str(Y), role="justice_bureau"):
    r = await client.post(
        "/api/v1/reports", json={"unit_id": str(unit), "period": period}, headers=headers(role, unit=unit)
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_stat_4_a_frozen_report_verifies_and_stays_unchanged_after_more_events(client, deliver, world):
    county, town, lead = await _world(deliver, world)
    report = await _freeze(client, county.unit_id)
    assert report["catalogue_version"] and report["content_hash"].startswith("sha256:")
    assert report["positions"] and report["content"]["totals"]["filed"] == 2
    reader = headers("auditor", unit=county.unit_id)
    verified = (await client.get(f"/api/v1/reports/{report['id']}/verify", headers=reader)).json()
    assert verified["matches"] is True and verified["differences"] == [] and verified["events_replayed"] > 0
    later = world.case(town.unit_id, lead, filed_on=date(Y, 4, 4))
    await deliver(later)
    again = (await client.get(f"/api/v1/reports/{report['id']}", headers=reader)).json()
    assert again["content"] == report["content"] and again["content_hash"] == report["content_hash"]
    still = (await client.get(f"/api/v1/reports/{report['id']}/verify", headers=reader)).json()
    assert still["matches"] is True
    newer = await _freeze(client, county.unit_id)
    assert newer["content"]["totals"]["filed"] == 3 and newer["content_hash"] != report["content_hash"]


async def test_stat_4_verify_shows_a_difference_when_a_frozen_figure_was_altered(client, app, deliver, world):
    county, _, _ = await _world(deliver, world)
    report = await _freeze(client, county.unit_id)
    async with app.state.sessions() as session, session.begin():
        await session.execute(
            text("UPDATE reports SET content = jsonb_set(content, '{totals,filed}', '7') WHERE id = :id"),
            {"id": report["id"]},
        )
    verified = (
        await client.get(f"/api/v1/reports/{report['id']}/verify", headers=headers("auditor", unit=county.unit_id))
    ).json()
    assert verified["matches"] is False
    assert verified["differences"] == [{"path": "totals.filed", "frozen": 7, "rederived": 2}]


async def test_stat_7_stat_8_report_layout_no_duty_zero_and_wan_yuan(client, deliver, world):
    _, town, _ = await _world(deliver, world)
    content = (await _freeze(client, town.unit_id, role="unit_leader"))["content"]
    rows = {r["category"]: r for r in content["cases"]}
    assert [r["category"] for r in content["cases"]] == [
        "penalty",
        "license",
        "coercion",
        "inspection",
        "levy",
        "requisition",
    ]
    assert rows["license"]["filed"] == "无相关职责" and rows["license"]["fines_wan"] == "无相关职责"
    assert rows["coercion"]["filed"] == 0 and rows["coercion"]["no_duty"] is False
    assert rows["penalty"]["fines_wan"] == "0.1235" and rows["penalty"]["confiscations_wan"] == "5.0000"
    assert rows["penalty"]["penalty_k2"] == 1 and rows["penalty"]["penalty_k1"] == 0  # heaviest kind only
    assert rows["penalty"]["hearings"] == 1
    assert content["training"]["officers_trained"] == 2
    assert content["certificates"]["officers"] == 2


async def test_report_xlsx_matches_the_json_report_cell_by_cell(client, deliver, world):
    county, _, _ = await _world(deliver, world)
    report = await _freeze(client, county.unit_id)
    reader = headers("auditor", unit=county.unit_id)
    r = await client.get(f"/api/v1/reports/{report['id']}", headers={**reader, "Accept": XLSX})
    assert r.status_code == 200 and r.headers["content-type"].startswith(XLSX)
    sheet = load_workbook(io.BytesIO(r.content))["案件统计"]
    assert sheet["A1"].value == report["content"]["title"]
    assert [c.value for c in sheet[3]] == CASE_HEADER
    expected_rows = [*report["content"]["cases"], {**report["content"]["totals"], "label": "合计"}]
    keys = [
        "filed",
        "decided",
        "closed",
        "hearings",
        "fines_wan",
        "confiscations_wan",
        *(f"penalty_k{n}" for n in (1, 2, 3, 4, 5, 0)),
    ]
    for row_index, expected in enumerate(expected_rows, start=4):
        cells = sheet[row_index]
        assert cells[0].value == expected["label"]
        for cell, key in zip(cells[1:], keys, strict=True):
            value = expected[key]
            if value == "无相关职责":
                assert cell.value == "无相关职责"
            elif key.endswith("_wan"):
                assert Decimal(str(cell.value)) == Decimal(value) and cell.number_format == "0.0000"
            else:
                assert cell.value == value and cell.number_format == "0"
    csv_body = await client.get(f"/api/v1/reports/{report['id']}", headers={**reader, "Accept": "text/csv"})
    lines = list(csv.reader(io.StringIO(csv_body.content.decode("utf-8-sig"))))
    assert lines[2] == CASE_HEADER and lines[3][0] == "行政处罚" and lines[3][1] == "1"
    refused = await client.get(f"/api/v1/reports/{report['id']}", headers={**reader, "Accept": "image/png"})
    assert refused.status_code == 406


async def test_report_pdf_renders_and_its_text_contains_the_totals(client, deliver, world, tmp_path):
    county, _, _ = await _world(deliver, world)
    report = await _freeze(client, county.unit_id)
    r = await client.get(
        f"/api/v1/reports/{report['id']}",
        headers={**headers("auditor", unit=county.unit_id), "Accept": "application/pdf"},
    )
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(r.content)
    await asyncio.to_thread(
        subprocess.run, ["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)
    done = await asyncio.to_thread(
        subprocess.run, ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    )
    out = done.stdout
    totals = report["content"]["totals"]
    assert report["content"]["title"] in out.replace("\n", "")
    assert f"立案 {totals['filed']} 件" in out and f"结案 {totals['closed']} 件" in out
    assert totals["fines_wan"] in out and totals["confiscations_wan"] in out


async def test_stat_4_submission_records_who_and_when_and_emits_report_submitted_once(client, app, deliver, world):
    _, town, _ = await _world(deliver, world)
    report = await _freeze(client, town.unit_id, role="unit_leader")
    leader = headers("unit_leader", unit=town.unit_id, name="王局长", sub="leader-1")
    submitted = await client.post(
        f"/api/v1/reports/{report['id']}/submission", json={}, headers={**leader, "If-Match": '"1"'}
    )
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["submitted_on"] == date.today().isoformat()
    assert (body["submitted_by"], body["submitted_by_name"]) == ("leader-1", "王局长")
    again = await client.post(f"/api/v1/reports/{report['id']}/submission", json={}, headers=leader)
    assert again.status_code == 409 and again.json()["code"] == "report.already_submitted"
    async with app.state.sessions() as session:
        payloads = (
            (await session.execute(text("SELECT payload FROM outbox WHERE event_type = 'stats.report_submitted'")))
            .scalars()
            .all()
        )
    assert len(payloads) == 1 and payloads[0]["data"]["content_hash"] == report["content_hash"]
    await assert_outbox_matches_schemas(app)
    # a sibling's leader cannot see or submit it
    other = world.unit("西关镇", None)
    await deliver(other)
    hidden = await client.post(
        f"/api/v1/reports/{report['id']}/submission", json={}, headers=headers("unit_leader", unit=other.unit_id)
    )
    assert hidden.status_code == 404


async def test_stat_6_annual_report_due_31_january_overdue_once_and_late_stays_visible(
    client, app_builder, database, deliver, world
):
    _, town, _ = await _world(deliver, world)
    last_year = date.today().year - 1
    app = app_builder(database, reports_since_year=last_year)
    async with app.router.lifespan_context(app):
        await ensure_annual_dues(app)
        await ensure_annual_dues(app)  # once: the second round finds it marked
        async with app.state.sessions() as session:
            rows = (
                (
                    await session.execute(
                        text("SELECT payload FROM outbox WHERE event_type = 'stats.report_overdue' ORDER BY id")
                    )
                )
                .scalars()
                .all()
            )
        mine = [p["data"] for p in rows if p["data"]["unit_id"] == str(town.unit_id)]
        assert mine == [
            {
                "unit_id": str(town.unit_id),
                "period": str(last_year),
                "due_on": date(last_year + 1, 1, 31).isoformat(),
                "basis": ["STAT-6"],
                "schema_version": 1,
            }
        ]
        await assert_outbox_matches_schemas(app)
    report = await _freeze(client, town.unit_id, period=str(last_year), role="unit_leader")
    assert report["deadline"]["status"] == "overdue" and report["deadline"]["due_on"] == f"{last_year + 1}-01-31"
    assert report["deadline"]["basis"] == ["STAT-6"] and report["deadline"]["policy_id"]
    done = await client.post(
        f"/api/v1/reports/{report['id']}/submission", json={}, headers=headers("unit_leader", unit=town.unit_id)
    )
    deadline = done.json()["deadline"]
    assert deadline["status"] == "met_late"
    assert deadline["days_late"] == (date.today() - date(last_year + 1, 1, 31)).days
    future = await client.post(
        "/api/v1/reports",
        json={"unit_id": str(town.unit_id), "period": "2026Q5"},
        headers=headers("unit_leader", unit=town.unit_id),
    )
    assert future.status_code == 422


def test_stat_6_the_due_date_follows_the_policy_not_a_constant():
    from stats_service.rules import annual_report_due_on

    assert annual_report_due_on(2026, 1, 31) == date(2027, 1, 31)
    assert annual_report_due_on(2026, 2, 31) == date(2027, 2, 28)
    assert annual_report_due_on(2027, 2, 29) == date(2028, 2, 29)


async def test_stat_2_every_known_unit_owes_its_annual_report(app_builder, database, deliver, world):
    county, town, _ = await _world(deliver, world)
    other = world.unit("西关镇", county.unit_id)
    await deliver(other)
    last_year = date.today().year - 1
    app = app_builder(database, reports_since_year=last_year)
    async with app.router.lifespan_context(app):
        await ensure_annual_dues(app)
        async with app.state.sessions() as session:
            owed = (
                await session.execute(text("SELECT unit_id, year, due_on FROM annual_reports_due ORDER BY unit_id"))
            ).all()
    assert {row.unit_id for row in owed} == {county.unit_id, town.unit_id, other.unit_id}
    assert {(row.year, row.due_on) for row in owed} == {(last_year, date(last_year + 1, 1, 31))}
