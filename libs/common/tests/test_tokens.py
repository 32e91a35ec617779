"""make token: signed local JWTs with the claims of CONTRACT.md."""

from __future__ import annotations

import os
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from enforcement_common.auth.tokens import mint_token
from enforcement_common.config import LOCAL_JWT_SECRET
from enforcement_common.testing.infra import repo_root

pytestmark = pytest.mark.unit  # pure: make unit runs it without servers


def test_token_carries_contract_claims() -> None:
    unit = str(uuid.uuid4())
    officer = str(uuid.uuid4())
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    token = mint_token(
        roles=["officer"], unit_id=unit, officer_id=officer, secret="k" * 32, sub="u1", name="张三", now=now
    )
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, "k" * 32, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False})
    assert claims["sub"] == "u1" and claims["name"] == "张三"
    assert claims["roles"] == ["officer"] and claims["unit_id"] == unit and claims["officer_id"] == officer
    assert claims["exp"] - claims["iat"] == int(timedelta(hours=12).total_seconds())


def test_unit_required_except_for_admin_and_roles_checked() -> None:
    assert "unit_id" not in jwt.decode(
        mint_token(roles=["admin"], unit_id=None, secret="k" * 32), "k" * 32, algorithms=["HS256"]
    )
    with pytest.raises(ValueError, match="unit_id"):
        mint_token(roles=["officer"], unit_id=None, secret="k" * 32)
    with pytest.raises(ValueError, match="unknown role"):
        mint_token(roles=["superuser"], unit_id=None, secret="k" * 32)


def test_make_token_prints_a_token_signed_with_the_local_secret() -> None:
    unit = str(uuid.uuid4())
    result = subprocess.run(
        ["make", "-s", "token", "ROLE=officer,unit_leader", f"UNIT={unit}"],
        cwd=repo_root(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "AUTH_JWT_SECRET"},
    )
    token = result.stdout.strip().splitlines()[-1]
    claims = jwt.decode(token, LOCAL_JWT_SECRET, algorithms=["HS256"])
    assert claims["roles"] == ["officer", "unit_leader"] and claims["unit_id"] == unit


def test_make_token_refuses_a_missing_unit() -> None:
    result = subprocess.run(
        ["make", "-s", "token", "ROLE=officer"], cwd=repo_root(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "unit_id is required" in result.stderr
