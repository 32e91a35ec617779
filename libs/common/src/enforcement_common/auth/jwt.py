"""Bearer-token verification with the contract's claims (CONTRACT.md, "auth").

The accepted algorithm is fixed by configuration and never read from the token:
HS256 with ``AUTH_JWT_SECRET`` locally, RS256 with keys from ``AUTH_JWKS_URL``
when that is set. ``exp`` is required; ``iss`` and ``aud`` are checked when
configured. Every failure is a 401 problem with a stable code.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from pydantic import BaseModel, Field, ValidationError

from enforcement_common.api.problems import ProblemError
from enforcement_common.auth.tokens import ROLES
from enforcement_common.db import storable_text

#: County-wide roles: they see every unit (ARCHITECTURE.md, "Data scope").
COUNTY_ROLES = frozenset({"justice_bureau", "admin"})


class Claims(BaseModel):
    """The claims a token must carry."""

    sub: str = Field(min_length=1)
    name: str = ""
    roles: list[str] = Field(min_length=1)
    unit_id: uuid.UUID | None = None
    officer_id: uuid.UUID | None = None
    exp: int


@dataclass(frozen=True)
class Caller:
    """Who is calling, from a verified token."""

    sub: str
    name: str
    roles: frozenset[str]
    unit_id: uuid.UUID | None
    officer_id: uuid.UUID | None

    @property
    def county_wide(self) -> bool:
        return bool(self.roles & COUNTY_ROLES)

    def has_any(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.roles & roles)


def _unauthorized(code: str, detail: str) -> ProblemError:
    return ProblemError(401, code, detail, headers={"WWW-Authenticate": 'Bearer realm="enforcement"'})


class TokenVerifier:
    """Verifies bearer tokens under one fixed algorithm."""

    def __init__(
        self,
        *,
        secret: str | None = None,
        jwks_url: str | None = None,
        issuer: str | None = None,
        audience: str | None = None,
        leeway_seconds: int = 30,
    ) -> None:
        if jwks_url:
            self.algorithm = "RS256"
            # The JWK set is cached for 5 minutes; no per-key cache, so a key withdrawn from the set stops working.
            self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=False, cache_jwk_set=True, lifespan=300, timeout=5)
            self._secret = None
        elif secret:
            self.algorithm = "HS256"
            self._jwks = None
            self._secret = secret
        else:
            raise ValueError("configure AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL (RS256)")
        self.issuer = issuer or None
        self.audience = audience or None
        self.leeway = leeway_seconds

    def verify(self, token: str, key: Any = None) -> Caller:
        """Verify ``token``; with RS256, ``key`` is its signing key if already fetched."""
        try:
            if key is None:
                key = self._jwks.get_signing_key_from_jwt(token) if self._jwks else self._secret
            payload = jwt.decode(
                token,
                key,
                algorithms=[self.algorithm],  # from configuration only; the header's 'alg' must match it
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway,
                options={"require": ["exp", "sub"], "verify_aud": self.audience is not None},
            )
        except jwt.ExpiredSignatureError as exc:
            raise _unauthorized("auth.token_expired", "The token has expired.") from exc
        except jwt.PyJWKClientError as exc:
            raise _unauthorized("auth.invalid_token", f"No signing key for this token: {exc}") from exc
        except (jwt.PyJWTError, TypeError, ValueError) as exc:  # TypeError/ValueError: a key of another kind
            raise _unauthorized("auth.invalid_token", f"The token is not valid: {exc}") from exc
        try:
            claims = Claims.model_validate(payload)
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in error["loc"]) for error in exc.errors())
            raise _unauthorized("auth.invalid_claims", f"The token lacks or misstates claims: {fields}") from exc
        unknown = set(claims.roles) - set(ROLES)
        if unknown:
            raise _unauthorized("auth.invalid_claims", f"Unknown role(s): {', '.join(sorted(unknown))}")
        if claims.unit_id is None and "admin" not in claims.roles:
            raise _unauthorized("auth.invalid_claims", "unit_id is required except for admin")
        return Caller(
            # Kept storable: the name goes into timelines and the audit log, which cannot
            # hold a lone surrogate that a validly signed JSON token may carry.
            sub=storable_text(claims.sub),
            name=storable_text(claims.name),
            roles=frozenset(claims.roles),
            unit_id=claims.unit_id,
            officer_id=claims.officer_id,
        )

    def verify_header(self, authorization: str | None) -> Caller:
        return self.verify(_bearer_token(authorization))

    async def verify_header_async(self, authorization: str | None) -> Caller:
        """As ``verify_header``, for the event loop: the JWK set is fetched over HTTP when its
        cache expires or an unknown key id shows up, so with RS256 the key lookup runs in a
        worker thread, never blocking the other requests. HS256 needs no I/O."""
        token = _bearer_token(authorization)
        if self._jwks is None:
            return self.verify(token)
        try:
            key = self._cached_signing_key(token) or await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
        except jwt.PyJWKClientError as exc:
            raise _unauthorized("auth.invalid_token", f"No signing key for this token: {exc}") from exc
        except (jwt.PyJWTError, TypeError, ValueError) as exc:  # a token too malformed to read its header
            raise _unauthorized("auth.invalid_token", f"The token is not valid: {exc}") from exc
        return self.verify(token, key)

    def _cached_signing_key(self, token: str) -> Any:
        """The token's key when the cached JWK set is fresh and holds it — the usual case,
        answered without a thread hop; None when a fetch may be needed."""
        assert self._jwks is not None
        cache = self._jwks.jwk_set_cache
        jwk_set = cache.get() if cache is not None else None
        if jwk_set is None:
            return None
        kid = jwt.get_unverified_header(token).get("kid")
        return next((k for k in jwk_set.keys if k.key_id == kid and k.public_key_use in ("sig", None)), None)


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise _unauthorized("auth.missing_token", "An Authorization: Bearer token is required.")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("auth.invalid_token", "The Authorization header must be 'Bearer <token>'.")
    return token.strip()
