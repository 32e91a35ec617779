"""Minting local tokens (``make token``).

Claims as in CONTRACT.md: ``sub``, ``name``, ``roles`` (list), ``unit_id``
(optional for ``admin``), ``officer_id`` (optional), ``exp``; HS256 with the local
``AUTH_JWT_SECRET``. Production tokens come from the identity provider (RS256/JWKS).
"""

from __future__ import annotations

import argparse
import os
import uuid
from datetime import UTC, datetime, timedelta

import jwt

from enforcement_common.config import LOCAL_JWT_SECRET

ROLES = (
    "officer",
    "legal_affairs",
    "unit_leader",
    "party_committee",
    "justice_bureau",
    "discipline",
    "auditor",
    "admin",
    "platform",
)


def mint_token(
    *,
    roles: list[str],
    unit_id: str | None,
    secret: str,
    sub: str | None = None,
    name: str | None = None,
    officer_id: str | None = None,
    ttl: timedelta = timedelta(hours=12),
    issuer: str | None = None,
    audience: str | None = None,
    now: datetime | None = None,
) -> str:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}; known: {', '.join(ROLES)}")
    if not roles:
        raise ValueError("at least one role is required")
    if unit_id is None and "admin" not in roles:
        raise ValueError("unit_id is required except for admin")
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": sub or f"local-{uuid.uuid4()}",
        "name": name or "本地开发用户",
        "roles": roles,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    if unit_id is not None:
        claims["unit_id"] = unit_id
    if officer_id is not None:
        claims["officer_id"] = officer_id
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="enforcement-token", description="Print a signed local JWT.")
    parser.add_argument("--role", "-r", action="append", required=True, help="role (repeat or comma-separate)")
    parser.add_argument("--unit", "-u", help="unit_id (UUID); optional for admin")
    parser.add_argument("--officer", help="officer_id")
    parser.add_argument("--sub")
    parser.add_argument("--name")
    parser.add_argument("--hours", type=float, default=12.0, help="validity in hours (default 12)")
    args = parser.parse_args(argv)
    roles = [role.strip() for value in args.role for role in value.split(",") if role.strip()]
    secret = os.environ.get("AUTH_JWT_SECRET") or LOCAL_JWT_SECRET
    try:
        token = mint_token(
            roles=roles,
            unit_id=args.unit or None,
            secret=secret,
            sub=args.sub,
            name=args.name,
            officer_id=args.officer,
            ttl=timedelta(hours=args.hours),
            issuer=os.environ.get("AUTH_JWT_ISSUER") or None,
            audience=os.environ.get("AUTH_JWT_AUDIENCE") or None,
        )
    except ValueError as exc:
        parser.error(str(exc))
    print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
