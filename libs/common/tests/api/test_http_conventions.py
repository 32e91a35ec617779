"""REST conventions every service shares, on the example router (real PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest

from enforcement_common.observability import configure_logging
from enforcement_common.testing.infra import terminate_connections

NOTES = "/api/v1/notes"


# --- errors -------------------------------------------------------------------------------


async def test_validation_error_is_422_with_a_field_list(client, auth_for) -> None:
    response = await client.post(NOTES, json={"unit_id": "nope", "title": ""}, headers=auth_for("officer"))
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "request.invalid" and body["title"] == "请求参数不合法"
    assert sorted(tuple(e["loc"]) for e in body["errors"]) == [("body", "title"), ("body", "unit_id")]


async def test_an_idempotent_post_over_dead_pooled_connections_goes_through_and_replays(
    client, make_note, auth_for, units, database
) -> None:
    """The key's claim meets the dead connection first and is retried on a fresh one (the
    pool is refreshed by then), so the request, its stored response and its audit entry
    all go through."""
    await make_note("before")
    assert await terminate_connections(database) >= 1
    headers = {**auth_for("officer"), "Idempotency-Key": "after-the-restart"}
    body = {"unit_id": str(units["A"]), "title": "after"}
    first = await client.post(NOTES, json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await client.post(NOTES, json=body, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    audit = (await client.get("/api/v1/audit", headers=auth_for("auditor"))).json()["items"]
    assert [r["status"] for r in audit] == [201, 201, 201]


async def test_a_lost_database_connection_is_a_retryable_503_and_the_next_request_works(
    client, make_note, auth_for, database
) -> None:
    """No pre-ping on checkout (it costs three round trips): a connection that died answers
    503 once, the pool is refreshed, and the retry goes through."""
    await make_note("before")  # the pool now holds a connection
    assert await terminate_connections(database) >= 1
    lost = await client.get(NOTES, headers=auth_for("officer"))
    assert lost.status_code == 503, lost.text
    assert lost.json()["code"] == "service.database_unavailable" and lost.headers["retry-after"] == "1"
    retried = await client.get(NOTES, headers=auth_for("officer"))
    assert retried.status_code == 200 and [n["title"] for n in retried.json()["items"]] == ["before"]


async def test_malformed_json_wrong_content_type_and_oversized_bodies(client, auth_for, app) -> None:
    headers = auth_for("officer")
    malformed = await client.post(NOTES, content=b'{"title": ', headers={**headers, "content-type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["code"] == "request.malformed_json"
    wrong_type = await client.post(
        NOTES, content=b"title=x", headers={**headers, "content-type": "application/x-www-form-urlencoded"}
    )
    assert wrong_type.status_code == 415 and wrong_type.json()["code"] == "request.unsupported_media_type"
    limit = app.state.settings.max_body_bytes
    declared = await client.post(
        NOTES, content=b"x" * (limit + 1), headers={**headers, "content-type": "application/json"}
    )
    assert declared.status_code == 413 and declared.json()["code"] == "request.too_large"

    async def stream():  # no Content-Length: counted as it arrives
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    streamed = await client.post(NOTES, content=stream(), headers={**headers, "content-type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["code"] == "request.too_large"


async def test_unknown_route_and_wrong_method_are_problems_in_the_requested_language(client) -> None:
    missing = await client.get("/api/v1/nowhere", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert missing.status_code == 404 and missing.json()["title"] == "Not found"
    wrong = await client.delete(NOTES)
    assert wrong.status_code == 405 and wrong.json()["title"] == "不支持该请求方法"


async def test_rule_refusal_carries_basis(client, auth_for) -> None:
    response = await client.post("/api/v1/refusals", headers=auth_for("officer"))
    assert response.status_code == 409
    assert response.json()["basis"] == ["REV-13"] and response.json()["code"] == "review.basic_standard_failed"


async def test_unexpected_exception_is_a_generic_problem_logged_with_traceback(client, capsys) -> None:
    configure_logging("example-service")
    response = await client.get("/api/v1/crash", headers={"X-Correlation-ID": "trace-me-1"})
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal.error" and body["correlation_id"] == "trace-me-1"
    assert "secret internals" not in response.text and "Traceback" not in response.text
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    failure = next(entry for entry in logged if entry["event"] == "unhandled_exception")
    assert failure["correlation_id"] == "trace-me-1" and "RuntimeError: secret internals" in failure["exception"]


# --- observability ------------------------------------------------------------------------


async def test_access_log_is_json_with_correlation_service_route_status_duration(client, auth_for, capsys) -> None:
    configure_logging("example-service")
    await client.get(f"{NOTES}/{uuid.uuid4()}", headers={**auth_for("officer"), "X-Correlation-ID": "corr-77"})
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    access = next(entry for entry in entries if entry["event"] == "request")
    assert access["correlation_id"] == "corr-77" and access["service"] == "example-service"
    assert access["route"] == "/api/v1/notes/{note_id}" and access["status"] == 404
    assert isinstance(access["duration_ms"], float) and access["level"] == "info" and "timestamp" in access


async def test_request_metrics_per_route_template(client, auth_for) -> None:
    for _ in range(3):
        await client.get(f"{NOTES}/{uuid.uuid4()}", headers=auth_for("officer"))
    metrics = (await client.get("/metrics")).text
    assert (
        'http_requests_total{method="GET",route="/api/v1/notes/{note_id}",service="example-service",status="404"} 3.0'
        in metrics
    )
    assert (
        'http_request_duration_seconds_count{method="GET",route="/api/v1/notes/{note_id}",service="example-service"} 3.0'
        in metrics
    )


# --- pagination and filters -------------------------------------------------------------------


async def test_cursor_pagination_is_stable_and_complete(client, make_note, auth_for) -> None:
    created = [(await make_note(f"n{i:03}")).json()["id"] for i in range(120)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 50} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(NOTES, params=params, headers=auth_for("officer"))).json()
        seen += [n["id"] for n in page["items"]]
        pages += 1
        if pages == 1:
            await make_note("added while paging")  # newer than everything: appears at the end, nothing repeats
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen[:120] == created and len(seen) == len(set(seen)) == 121
    default = (await client.get(NOTES, headers=auth_for("officer"))).json()
    assert len(default["items"]) == 50


async def test_pagination_and_filter_errors(client, auth_for) -> None:
    headers = auth_for("officer")
    for limit in (0, 501):
        assert (await client.get(NOTES, params={"limit": limit}, headers=headers)).status_code == 422
    bad = await client.get(NOTES, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=headers)
    assert bad.status_code == 400 and bad.json()["code"] == "pagination.invalid_cursor"
    reversed_range = await client.get(
        NOTES,
        params={"created_from": "2026-02-01T00:00:00+08:00", "created_to": "2026-01-01T00:00:00+08:00"},
        headers=headers,
    )
    assert reversed_range.status_code == 422 and reversed_range.json()["errors"][0]["loc"] == ["query", "created_from"]


async def test_idempotency_key_expires(client, make_note, app) -> None:
    from sqlalchemy import text

    first = await make_note("before", **{"Idempotency-Key": "k-expiring"})
    async with app.state.sessions() as session, session.begin():
        await session.execute(text("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'"))
    again = await make_note("after", **{"Idempotency-Key": "k-expiring"})  # another body is fine once expired
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    from enforcement_common.api.idempotency import purge_expired

    async with app.state.sessions() as session, session.begin():
        await session.execute(text("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'"))
    assert await purge_expired(app.state.engine) == 1


@pytest.mark.unit
def test_csv_filter_values() -> None:
    import pytest

    from enforcement_common.api.pagination import csv_values
    from enforcement_common.api.problems import ProblemError

    assert csv_values("penalty, license,,") == ["penalty", "license"]
    assert csv_values(None) == []
    with pytest.raises(ProblemError) as caught:
        csv_values("penalty,parking", {"penalty", "license"}, "category")
    assert caught.value.status == 422 and "parking" in caught.value.detail


async def test_filters_narrow_the_list(client, make_note, auth_for) -> None:
    await make_note("行政处罚案卷")
    await make_note("行政许可案卷")
    found = (await client.get(NOTES, params={"q": "处罚"}, headers=auth_for("officer"))).json()["items"]
    assert [n["title"] for n in found] == ["行政处罚案卷"]


# --- idempotency --------------------------------------------------------------------------------


async def test_idempotent_replay_is_byte_identical(client, make_note, auth_for) -> None:
    first = await make_note("once", **{"Idempotency-Key": "import-2026-001"})
    again = await make_note("once", **{"Idempotency-Key": "import-2026-001"})
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["etag"] == first.headers["etag"] and again.headers["location"] == first.headers["location"]
    listed = (await client.get(NOTES, headers=auth_for("officer"))).json()["items"]
    assert [n["title"] for n in listed] == ["once"], "one effect"


async def test_same_key_other_body_is_422_and_keys_are_per_caller(client, make_note) -> None:
    await make_note("first", **{"Idempotency-Key": "k-1"})
    reused = await make_note("second", **{"Idempotency-Key": "k-1"})
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency.key_reused"
    other_caller = await make_note("first", unit="B", as_unit="B", **{"Idempotency-Key": "k-1"})
    assert other_caller.status_code == 201 and "idempotent-replayed" not in other_caller.headers


async def test_concurrent_duplicate_in_flight_is_409(client, auth_for, units) -> None:
    body = {"unit_id": str(units["A"]), "title": "slow"}
    headers = {**auth_for("officer"), "Idempotency-Key": "slow-1"}
    original = asyncio.create_task(client.post(f"{NOTES}:slow", json=body, headers=headers))
    await asyncio.sleep(0.3)  # the first is now inside its one-second handler
    duplicate = await client.post(f"{NOTES}:slow", json=body, headers=headers)
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "idempotency.in_flight"
    assert (await original).status_code == 201
    later = await client.post(f"{NOTES}:slow", json=body, headers=headers)
    assert later.status_code == 201 and later.headers["idempotent-replayed"] == "true"
    assert later.content == (await original).content


async def test_failed_request_releases_the_key(client, auth_for, units) -> None:
    headers = {**auth_for("officer"), "Idempotency-Key": "k-after-404"}
    refused = await client.post(NOTES, json={"unit_id": str(units["B"]), "title": "x"}, headers=headers)
    assert refused.status_code == 404
    replay = await client.post(NOTES, json={"unit_id": str(units["B"]), "title": "x"}, headers=headers)
    assert replay.status_code == 404 and replay.headers["idempotent-replayed"] == "true", "4xx outcomes are kept too"
    invalid = await client.post(
        NOTES,
        json={"unit_id": str(units["A"]), "title": "x"},
        headers={**auth_for("officer"), "Idempotency-Key": "bad key with spaces"},
    )
    assert invalid.status_code == 422 and invalid.json()["code"] == "idempotency.invalid_key"


# --- optimistic concurrency -----------------------------------------------------------------------


async def test_etag_and_if_match(client, make_note, auth_for) -> None:
    note = await make_note("v1")
    assert note.headers["etag"] == '"1"'
    url = f"{NOTES}/{note.json()['id']}"
    headers = auth_for("officer")
    assert (await client.get(url, headers=headers)).headers["etag"] == '"1"'
    updated = await client.patch(url, json={"title": "v2"}, headers={**headers, "If-Match": '"1"'})
    assert updated.status_code == 200 and updated.headers["etag"] == '"2"' and updated.json()["version"] == 2
    stale = await client.patch(url, json={"title": "v3"}, headers={**headers, "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["code"] == "concurrency.precondition_failed"
    assert stale.json()["current_etag"] == '"2"'
    missing = await client.patch(url, json={"title": "v3"}, headers=headers)
    assert missing.status_code == 428 and missing.json()["code"] == "concurrency.precondition_required"
    assert (await client.get(url, headers=headers)).json()["title"] == "v2"


async def test_concurrent_writers_with_the_same_etag_one_wins(client, make_note, auth_for) -> None:
    note = await make_note("race")
    url = f"{NOTES}/{note.json()['id']}"
    headers = {**auth_for("officer"), "If-Match": '"1"'}
    results = await asyncio.gather(*(client.patch(url, json={"title": f"w{i}"}, headers=headers) for i in range(5)))
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(200) == 1 and set(statuses) <= {200, 412}, statuses


# --- browsers and mobile clients ---------------------------------------------------------------------


async def test_cors_allows_configured_origins_and_exposes_headers(client) -> None:
    preflight = await client.options(
        NOTES,
        headers={
            "Origin": "https://web.example.gov.cn",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "idempotency-key,if-match,authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://web.example.gov.cn"
    response = await client.get("/healthz", headers={"Origin": "https://web.example.gov.cn"})
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "idempotent-replayed", "x-correlation-id"} <= exposed
    foreign = await client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers


async def test_no_cors_origins_by_default(database, app_builder) -> None:
    app = app_builder(database)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/healthz", headers={"Origin": "https://web.example.gov.cn"})
    assert "access-control-allow-origin" not in response.headers


async def test_large_responses_are_gzipped(client) -> None:
    response = await client.get("/api/v1/big", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()["items"]) == 2000  # httpx decompressed it
    small = await client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


async def test_a_cursor_forged_with_values_of_another_type_is_400(client, auth_for) -> None:
    from enforcement_common.api.pagination import encode_cursor

    forged = encode_cursor(("not-a-time", "not-a-uuid"))
    response = await client.get(NOTES, params={"cursor": forged}, headers=auth_for("officer"))
    assert response.status_code == 400 and response.json()["code"] == "pagination.invalid_cursor"


async def test_a_partial_upload_claims_no_idempotency_key() -> None:
    from enforcement_common.api.idempotency import _read_body

    messages = iter([{"type": "http.request", "body": b'{"title"', "more_body": True}, {"type": "http.disconnect"}])

    async def receive():
        return next(messages)

    assert await _read_body(receive) is None
