"""Property-based API testing of the example router's OpenAPI with schemathesis:
no 5xx for any generated request, and every response matches its documented
status codes, content types and schemas. Runs over real HTTP against a uvicorn
server on 127.0.0.1 with the real PostgreSQL behind it."""

from __future__ import annotations

import pytest

from enforcement_common.testing.live import run_schemathesis as run_operations


@pytest.mark.timeout(600)
def test_generated_requests_get_no_5xx_and_conforming_responses(live_server, token_for) -> None:
    # An admin token reaches every route; role and scope refusals are covered by test_auth.
    ran = run_operations(live_server, {"Authorization": f"Bearer {token_for('admin', unit=None)}"}, max_examples=40)
    assert {
        "POST /api/v1/notes",
        "GET /api/v1/notes",
        "PATCH /api/v1/notes/{note_id}",
        "GET /api/v1/audit",
        "GET /api/v1/due",
        "GET /readyz",
    } <= set(ran)


@pytest.mark.timeout(600)
def test_without_a_token_every_route_answers_a_documented_problem(live_server) -> None:
    run_operations(live_server, {}, max_examples=10)
