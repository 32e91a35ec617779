"""Input that must be refused as a 4xx problem, never a 500 (issue 11, item 9): bodies nested
beyond any document of the contract, tokens whose claims hold characters a database cannot
store."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from enforcement_common.api.json_body import MAX_DEPTH
from enforcement_common.calendar import today
from enforcement_common.testing.kit import headers

IMPORT = "/api/v1/cases:import"


@pytest.mark.parametrize("media_type", ["application/json", "application/x-ndjson"])
async def test_an_import_nested_a_thousand_deep_is_a_400_problem(world, client, as_headers, media_type) -> None:
    platform = as_headers("platform", unit=world.units["T1"])
    deep = b"[" * 1000 + b"]" * 1000
    body = deep if media_type == "application/json" else b'{"unit_id": null}\n' + b'{"x": ' + deep + b"}\n"
    response = await client.post(IMPORT, content=body, headers={**platform, "content-type": media_type})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "request.nesting_too_deep"
    # Nesting up to the limit is only a schema question, not a refusal of the body.
    shallow = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    fine = await client.post(IMPORT, content=shallow, headers={**platform, "content-type": "application/json"})
    assert fine.status_code != 400 or fine.json()["code"] != "request.nesting_too_deep"


async def test_a_deeply_nested_ordinary_body_is_a_4xx_problem(world, client) -> None:
    deep = b'{"title": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = await client.post(
        "/api/v1/cases",
        content=deep,
        headers={**world.as_officer("T1"), "content-type": "application/json", "Idempotency-Key": "deep-1"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("claim", ["sub", "name"])
@pytest.mark.parametrize("value", ["a\x00b", "lone \ud800 surrogate"])
async def test_a_token_claim_a_database_cannot_store_never_makes_a_500(world, client, claim, value) -> None:
    caller = headers("admin", **{claim: value})
    body = {"name": f"培训单位 {uuid.uuid4().hex[:6]}", "code": uuid.uuid4().hex[:10], "kind": "section"}
    response = await client.post(
        "/api/v1/units", json={**body, "parent_id": world.units["T1"]}, headers={**caller, "Idempotency-Key": "k-1"}
    )
    if claim == "sub" and "\ud800" in value:
        # Not an identity a person can hold: refused before anything is done, as a problem.
        assert response.status_code == 401 and response.json()["code"] == "auth.invalid_claims"
        return
    # The write is done and audited with the claim escaped; the key replays it.
    assert response.status_code == 201, response.text
    again = await client.post(
        "/api/v1/units", json={**body, "parent_id": world.units["T1"]}, headers={**caller, "Idempotency-Key": "k-1"}
    )
    assert again.status_code == 201 and again.json() == response.json()


# --- dates and money as the contract writes them ------------------------------------------------


@pytest.mark.parametrize(
    "filed_on",
    ["0001-01-01", "1989-12-31", "0", 0, "2026-1-5", "２０２６-01-05", "9999-12-31", "tomorrow"],
)
async def test_a_case_filed_on_an_implausible_date_is_refused(world, filed_on) -> None:
    response = await world.file(expect=422, filed_on=filed_on)
    assert response.json()["code"] == "request.invalid", response.text


async def test_a_fact_dated_after_today_in_shanghai_is_refused(world) -> None:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    refused = await world.file(expect=422, filed_on=tomorrow)
    assert "today" in refused.text
    case = (await world.file()).json()
    await world.act(case["id"], "investigation")
    late = await world.act(case["id"], "hearing", {"held_on": tomorrow})
    assert late.status_code == 422


@pytest.mark.parametrize(
    "amount", ["-0", "-1", "1_000", "１０００", "1e3", "12.345", "0100", " 100", 100.5, True, "NaN"]
)
async def test_money_must_be_a_plain_decimal_string(world, bodies, amount) -> None:
    case = (await world.file()).json()
    await world.act(case["id"], "investigation")
    refused = await world.act(case["id"], "decision", {**bodies["decision"], "fine_amount": amount})
    assert refused.status_code == 422, (amount, refused.text)


@pytest.mark.parametrize(
    ("amount", "stored"), [("0.5", "0.50"), ("100", "100.00"), ("1200.5", "1200.50"), (300, "300.00")]
)
async def test_money_in_plain_decimal_text_is_stored_with_two_places(world, bodies, amount, stored) -> None:
    case = (await world.file()).json()
    await world.act(case["id"], "investigation")
    decided = await world.act(case["id"], "decision", {**bodies["decision"], "fine_amount": amount})
    assert decided.status_code == 200 and decided.json()["fine_amount"] == stored, decided.text
