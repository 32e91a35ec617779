"""POST /cases:import for provincial platforms: upsert by external_ref, a result per item."""

from __future__ import annotations

import asyncio
import json
from datetime import date

from sqlalchemy import text

from enforcement_common.calendar import today as shanghai_today

IMPORT = "/api/v1/cases:import"


def item(world, ref: str, **overrides) -> dict:
    return {
        "unit_id": world.units["T1"],
        "category": "penalty",
        "title": f"案件 {ref}",
        "external_ref": ref,
        "party": {"name": "某公司", "kind": "organization"},
        "lead_handler_id": world.officers["甲"],
        "co_handler_ids": [world.officers["乙"]],
        **overrides,
    }


async def test_mixed_batch_gives_the_right_result_per_item(world, client, app, as_headers) -> None:
    platform = as_headers("platform", unit=world.units["T1"])
    first = await client.post(IMPORT, json=[item(world, "P-1"), item(world, "P-2")], headers=platform)
    assert first.status_code == 200 and first.json()["summary"]["created"] == 2
    batch = [
        item(world, "P-1"),  # unchanged
        item(world, "P-2", title="新的案由"),  # updated
        item(world, "P-3"),  # created
        {**item(world, "P-4"), "category": "parking"},  # invalid
        item(world, "P-5", co_handler_ids=[world.officers["无证"]]),  # refused by CASE-3
        item(world, "P-3"),  # duplicate in the batch
        item(
            world,
            "P-6",
            unit_id=world.units["T2"],
            lead_handler_id=world.officers["丁"],
            co_handler_ids=[world.officers["戊"]],
        ),  # another unit
        "not an object",
        item(world, "P-7", category="license", co_handler_ids=[]),  # created, after all the errors
    ]
    report = (await client.post(IMPORT, json=batch, headers=platform)).json()
    outcomes = [(r["index"], r["outcome"], (r.get("problem") or {}).get("code")) for r in report["results"]]
    assert outcomes == [
        (0, "unchanged", None),
        (1, "updated", None),
        (2, "created", None),
        (3, "error", "request.invalid"),
        (4, "error", "case.handler_not_qualified"),
        (5, "error", "import.duplicate_in_batch"),
        (6, "error", "resource.not_found"),
        (7, "error", "request.invalid"),
        (8, "created", None),
    ]
    assert report["results"][4]["problem"]["basis"] == ["CASE-3"]
    assert report["summary"] == {"received": 9, "created": 2, "updated": 1, "unchanged": 1, "errors": 5}
    async with app.state.sessions() as session:
        types = (
            await session.execute(
                text("SELECT event_type, count(*) FROM outbox WHERE event_type LIKE 'case.%' GROUP BY event_type")
            )
        ).all()
    assert dict(types) == {"case.filed": 4, "case.updated": 1}


async def test_ndjson_and_limits(world, client, as_headers) -> None:
    platform = as_headers("platform", unit=world.units["T1"])
    ndjson = "\n".join(json.dumps(item(world, f"N-{i}")) for i in range(3)).encode()
    response = await client.post(IMPORT, content=ndjson, headers={**platform, "content-type": "application/x-ndjson"})
    assert response.status_code == 200 and response.json()["summary"]["created"] == 3
    # A line that is not JSON is that item's error; the lines around it are imported.
    lines = [json.dumps(item(world, "N-10")), '{"unit_id": ', "", json.dumps(item(world, "N-11"))]
    mixed = await client.post(
        IMPORT, content="\n".join(lines).encode(), headers={**platform, "content-type": "application/x-ndjson"}
    )
    assert [(r["index"], r["outcome"]) for r in mixed.json()["results"]] == [
        (0, "created"),
        (1, "error"),
        (2, "created"),
    ]
    assert mixed.json()["results"][1]["problem"]["code"] == "request.malformed_json"
    assert "Line 2" in mixed.json()["results"][1]["problem"]["detail"]
    assert (
        await client.post(IMPORT, content=b"[{", headers={**platform, "content-type": "application/json"})
    ).status_code == 400
    assert (await client.post(IMPORT, json={"not": "a list"}, headers=platform)).status_code == 422
    too_many = await client.post(IMPORT, json=[{}] * 10_001, headers=platform)
    assert too_many.status_code == 413 and too_many.json()["code"] == "import.too_many_items"


async def test_only_the_platform_role_imports_and_only_for_its_units(world, client, as_headers) -> None:
    assert (await client.post(IMPORT, json=[item(world, "X-1")], headers=world.as_officer("T1"))).status_code == 403
    other = await client.post(IMPORT, json=[item(world, "X-1")], headers=as_headers("platform", unit=world.units["T2"]))
    assert other.json()["results"][0]["problem"]["code"] == "resource.not_found"
    county = await client.post(
        IMPORT, json=[item(world, "X-1")], headers=as_headers("platform", unit=world.units["XC"])
    )
    assert county.json()["results"][0]["outcome"] == "created", "a county platform covers the townships below"


async def test_values_the_database_cannot_store_are_item_errors_not_500(world, client, as_headers) -> None:
    platform = as_headers("platform", unit=world.units["T1"])
    response = await client.post(
        IMPORT, json=[item(world, "NUL-1", title="a\u0000b"), item(world, "OK-1")], headers=platform
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert [(r["outcome"], (r.get("problem") or {}).get("code")) for r in report["results"]] == [
        ("error", "request.unprocessable_value"),
        ("created", None),
    ]
    unit = await client.post(
        "/api/v1/units", json={"code": "NULUNIT", "name": "x\u0000y", "kind": "county"}, headers=as_headers("admin")
    )
    assert unit.status_code == 422 and unit.json()["code"] == "request.unprocessable_value"


async def test_reimport_records_the_change_and_cannot_lower_is_major_after_filing(world, client, as_headers) -> None:
    platform = as_headers("platform", unit=world.units["T1"])
    created = (await client.post(IMPORT, json=[item(world, "M-1", is_major=True)], headers=platform)).json()["results"][
        0
    ]
    await world.act(created["case_id"], "investigation")
    locked = (await client.post(IMPORT, json=[item(world, "M-1", is_major=False)], headers=platform)).json()["results"][
        0
    ]
    assert locked["outcome"] == "error" and locked["problem"]["code"] == "case.is_major_locked"
    renamed = (
        await client.post(IMPORT, json=[item(world, "M-1", is_major=True, title="新案由")], headers=platform)
    ).json()["results"][0]
    assert renamed["outcome"] == "updated"
    timeline = (
        await client.get(f"/api/v1/cases/{created['case_id']}/timeline", headers=world.as_officer("T1"))
    ).json()["items"]
    assert timeline[-1]["action"] == "import-update" and timeline[-1]["details"]["changed"] == ["title"]


async def test_CASE_9_numbers_stay_gapless_per_unit_and_year_when_imports_and_filings_interleave(
    world, client, as_headers
) -> None:
    """An import files each chunk's new cases as one batch, taking a run of numbers per unit
    and year in one increment; filings arriving meanwhile take theirs before or after it."""
    platform = as_headers("platform", unit=world.units["XC"])  # the county: both townships
    this_year = shanghai_today().year
    last_year_day = date(this_year - 1, 12, 31).isoformat()
    t2 = {
        "unit_id": world.units["T2"],
        "lead_handler_id": world.officers["丁"],
        "co_handler_ids": [world.officers["戊"]],
    }

    def batch(tag: str) -> list[dict]:
        return [
            item(
                world, f"{tag}-{i}", **(t2 if i % 3 == 0 else {}), **({"filed_on": last_year_day} if i % 4 == 0 else {})
            )
            for i in range(120)
        ]

    responses = await asyncio.gather(
        client.post(IMPORT, json=batch("A"), headers=platform),
        *(world.file() for _ in range(10)),
        client.post(IMPORT, json=batch("B"), headers=platform),
        *(world.file(unit="T2", handlers=("丁", "戊")) for _ in range(5)),
    )
    case_nos = [r["case_no"] for response in responses[:1] + responses[11:12] for r in response.json()["results"]]
    assert len(case_nos) == 240 and all(case_nos)
    case_nos += [response.json()["case_no"] for response in responses[1:11] + responses[12:]]
    by_series: dict[str, list[int]] = {}
    for case_no in case_nos:
        series, number = case_no.rstrip("号").split("〕")
        by_series.setdefault(series, []).append(int(number))
    counts = {
        f"城关〔{this_year}": sum(1 for i in range(120) if i % 3 and i % 4) * 2 + 10,
        f"城关〔{this_year - 1}": sum(1 for i in range(120) if i % 3 and not i % 4) * 2,
        f"西关〔{this_year}": sum(1 for i in range(120) if not i % 3 and i % 4) * 2 + 5,
        f"西关〔{this_year - 1}": sum(1 for i in range(120) if not i % 3 and not i % 4) * 2,
    }
    assert {series: sorted(numbers) for series, numbers in by_series.items()} == {
        series: list(range(1, n + 1)) for series, n in counts.items()
    }


async def test_an_import_update_keeps_the_previous_party_on_the_timeline_with_its_id_number_masked(
    world, client, as_headers
) -> None:
    platform = as_headers("platform", unit=world.units["T1"])
    person = {"name": "张三", "kind": "person", "id_number": "142701198001011234"}
    created = (await client.post(IMPORT, json=[item(world, "ID-1", party=person)], headers=platform)).json()
    case_id = created["results"][0]["case_id"]
    moved = {**person, "name": "张三丰"}
    updated = (await client.post(IMPORT, json=[item(world, "ID-1", party=moved)], headers=platform)).json()
    assert updated["results"][0]["outcome"] == "updated"
    timeline = f"/api/v1/cases/{case_id}/timeline"
    officer_view = (await client.get(timeline, headers=world.as_officer("T1"))).json()["items"]
    [change] = [e for e in officer_view if e["action"] == "import-update"]
    assert change["details"]["before"]["party"]["id_number"] == "1427**********1234"
    leader_view = (await client.get(timeline, headers=world.as_officer("T1", "unit_leader"))).json()["items"]
    [change] = [e for e in leader_view if e["action"] == "import-update"]
    assert change["details"]["before"]["party"]["id_number"] == "142701198001011234", "a role with the need sees it"


async def test_fields_an_import_does_not_change_are_named_not_silently_dropped(world, client, as_headers) -> None:
    platform = as_headers("platform", unit=world.units["T1"])
    await client.post(IMPORT, json=[item(world, "IG-1")], headers=platform)
    changed = item(world, "IG-1", title="新案由", category="coercion", co_handler_ids=[world.officers["丙"]])
    result = (await client.post(IMPORT, json=[changed], headers=platform)).json()["results"][0]
    assert result["outcome"] == "updated" and result["ignored_fields"] == ["category", "co_handler_ids"]
    same = (await client.post(IMPORT, json=[changed | {"title": "新案由"}], headers=platform)).json()["results"][0]
    assert same["outcome"] == "unchanged" and same["ignored_fields"] == ["category", "co_handler_ids"]
    plain = (await client.post(IMPORT, json=[item(world, "IG-1", title="新案由")], headers=platform)).json()
    assert plain["results"][0]["ignored_fields"] == []
