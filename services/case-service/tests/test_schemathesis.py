"""schemathesis over case-service's OpenAPI, over real HTTP, with real PostgreSQL behind:
no 5xx for any generated request, and every response as documented."""

from __future__ import annotations

import uuid

import pytest

from case_service.config import Settings
from case_service.main import create_app
from enforcement_common.auth.tokens import mint_token
from enforcement_common.testing.live import run_schemathesis, serve_service

SECRET = "case-service-schemathesis-secret-0123456789"


@pytest.fixture(scope="module")
def live_case_service():
    with serve_service(create_app, Settings, "case_service", auth_jwt_secret=SECRET, run_workers=False) as base_url:
        yield base_url


@pytest.mark.timeout(900)
@pytest.mark.parametrize("roles", [("admin",), ("officer", "legal_affairs", "platform")])
def test_no_5xx_and_responses_as_documented(live_case_service, roles) -> None:
    unit = None if roles == ("admin",) else str(uuid.uuid4())
    token = mint_token(roles=list(roles), unit_id=unit, secret=SECRET)
    ran = run_schemathesis(live_case_service, {"Authorization": f"Bearer {token}"}, max_examples=25)
    assert (
        "POST /api/v1/cases" in ran
        and "POST /api/v1/cases:import" in ran
        and "POST /api/v1/cases/{case_id}/decision" in ran
    )
