"""A write, its audit entry and its stored idempotent response commit in one transaction
(api.transaction): none of them exists without the others."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from enforcement_common.testing.live import serve_in_thread

NOTES = "/api/v1/notes"
AUDIT = "/api/v1/audit"


async def _count(app, sql: str) -> int:
    async with app.state.sessions() as session:
        return (await session.execute(text(sql))).scalar_one()


async def test_a_write_commits_with_its_audit_entry_and_its_stored_response(app, client, auth_for, units) -> None:
    headers = {**auth_for("officer"), "Idempotency-Key": "atomic-1"}
    created = await client.post(NOTES, json={"unit_id": str(units["A"]), "title": "t"}, headers=headers)
    assert created.status_code == 201
    async with app.state.sessions() as session:
        stored = (await session.execute(text("SELECT state, status, body FROM idempotency_keys"))).one()
        audited = (await session.execute(text("SELECT method, path, resource_id, status FROM audit_log"))).all()
    assert stored.state == "done" and stored.status == 201 and bytes(stored.body) == created.content
    assert [tuple(a) for a in audited] == [("POST", NOTES, created.json()["id"], 201)]


async def test_a_refused_write_leaves_no_effect_but_is_audited_and_replayed(app, client, auth_for, units) -> None:
    headers = {**auth_for("officer"), "Idempotency-Key": "refused-1"}
    body = {"unit_id": str(units["B"]), "title": "outside scope"}
    refused = await client.post(NOTES, json=body, headers=headers)
    again = await client.post(NOTES, json=body, headers=headers)
    assert refused.status_code == again.status_code == 404
    assert again.headers["idempotent-replayed"] == "true" and again.content == refused.content
    assert await _count(app, "SELECT count(*) FROM notes") == 0
    assert await _count(app, "SELECT count(*) FROM audit_log WHERE status = 404") == 2


async def test_a_failure_after_the_effect_rolls_back_effect_entry_and_key(app, client, auth_for, units) -> None:
    """The route raises after writing: nothing of it stays — not the row, not a success in
    the audit log, not a stored response; the key is free for the retry."""
    headers = {**auth_for("officer"), "Idempotency-Key": "after-effect"}
    body = {"unit_id": str(units["A"]), "title": "x"}
    app.state.fail_after_effect = True
    first = await client.post(f"{NOTES}:fail-after-effect", json=body, headers=headers)
    assert first.status_code == 500
    assert await _count(app, "SELECT count(*) FROM notes") == 0
    assert await _count(app, "SELECT count(*) FROM idempotency_keys") == 0
    assert await _count(app, "SELECT count(*) FROM audit_log WHERE status = 201") == 0
    app.state.fail_after_effect = False
    retry = await client.post(f"{NOTES}:fail-after-effect", json=body, headers=headers)
    assert retry.status_code == 201 and "idempotent-replayed" not in retry.headers
    assert await _count(app, "SELECT count(*) FROM notes") == 1


async def test_a_token_name_with_a_lone_surrogate_is_audited_and_the_chain_stays_valid(
    app, client, token_for, auth_for, units
) -> None:
    token = token_for("officer", name="张\ud800三")
    created = await client.post(
        NOTES, json={"unit_id": str(units["A"]), "title": "t"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert created.status_code == 201
    rows = (await client.get(AUDIT, headers=auth_for("auditor"))).json()["items"]
    assert [(r["status"], r["actor_name"]) for r in rows] == [(201, "张\\ud800三")]
    report = (await client.get(f"{AUDIT}/verify", headers=auth_for("auditor"))).json()
    assert report == {"valid": True, "count": 1, "first_bad_id": None, "reason": None}


async def test_a_write_refused_by_the_guards_is_audited(app, client, auth_for) -> None:
    """413 (too large), 415 (not JSON) and 401 (no token) never reach a route: still audited."""
    too_large = await client.post(NOTES, content=b"x" * (33 * 1024 * 1024), headers=auth_for("officer"))
    not_json = await client.post(NOTES, content=b"a=b", headers={**auth_for("officer"), "Content-Type": "text/plain"})
    anonymous = await client.post(NOTES, json={})
    assert (too_large.status_code, not_json.status_code, anonymous.status_code) == (413, 415, 401)
    rows = (await client.get(AUDIT, headers=auth_for("auditor"))).json()["items"]
    assert sorted(r["status"] for r in rows) == [401, 413, 415]


async def test_a_thousand_immediate_retries_of_completed_posts_are_all_replayed(
    app, app_builder, database, auth_for, units
) -> None:
    """Over real HTTP: the retry leaves the moment the response has arrived — the stored
    response was committed before it was sent, so none is answered 409 in_flight."""

    def drive(base_url: str) -> dict[int, int]:
        outcomes: dict[int, int] = {}
        with httpx.Client(base_url=base_url) as client:
            for i in range(1000):
                headers = {**auth_for("officer"), "Idempotency-Key": f"retry-{i}"}
                body = {"unit_id": str(units["A"]), "title": f"n{i}"}
                first = client.post(NOTES, json=body, headers=headers)
                retry = client.post(NOTES, json=body, headers=headers)
                assert first.status_code == 201, first.text
                assert retry.content == first.content
                outcomes[retry.status_code] = outcomes.get(retry.status_code, 0) + 1
        return outcomes

    with serve_in_thread(app_builder(database)) as base_url:  # units seeded by the app fixture
        outcomes = await asyncio.to_thread(drive, base_url)
    assert outcomes == {201: 1000}, outcomes
    assert await _count(app, "SELECT count(*) FROM notes") == 1000
