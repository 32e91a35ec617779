"""Property-based API testing of the example router's OpenAPI with schemathesis:
no 5xx for any generated request, and every response matches its documented
status codes, content types and schemas. Runs over real HTTP against a uvicorn
server on 127.0.0.1 with the real PostgreSQL behind it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def run_operations(base_url: str, headers: dict[str, str], max_examples: int) -> list[str]:
    """Drive every operation of the schema with generated cases; return the operations run."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    ran = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
        ran.append(f"{operation.method.upper()} {operation.path}")
    return ran


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
