"""Service settings from environment variables.

Each service subclasses :class:`BaseServiceSettings` with its own prefix
(``CASE_``, ``REVIEW_`` …), so ``CASE_DATABASE_URL`` configures case-service only.
Settings every service shares — the Kafka bootstrap servers and the JWT secret —
may also be given once, unprefixed (``KAFKA_BOOTSTRAP_SERVERS``, ``AUTH_JWT_SECRET``);
the prefixed variable wins when both are set.
"""

from __future__ import annotations

import os
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Local development default for signing tokens (documented in the README).
#: Never valid outside a developer's machine: production sets AUTH_JWT_SECRET or JWKS.
LOCAL_JWT_SECRET = "local-dev-secret-change-me-0123456789abcdef"

_SHARED_FALLBACKS = {
    "kafka_bootstrap_servers": "KAFKA_BOOTSTRAP_SERVERS",
    "auth_jwt_secret": "AUTH_JWT_SECRET",
    "auth_jwks_url": "AUTH_JWKS_URL",
    "auth_jwt_issuer": "AUTH_JWT_ISSUER",
    "auth_jwt_audience": "AUTH_JWT_AUDIENCE",
    "cors_allowed_origins": "CORS_ALLOWED_ORIGINS",
    "environment": "ENFORCEMENT_ENV",
}


def asyncpg_url(url: str) -> str:
    """Return ``url`` with SQLAlchemy's asyncpg driver (accepts plain ``postgresql://``)."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("database URL must start with postgresql:// or postgresql+asyncpg://")


class BaseServiceSettings(BaseSettings):
    """Settings common to every service; subclasses set ``env_prefix`` and defaults."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    #: Service name as it appears in events' ``source``, logs and metrics.
    service_name: ClassVar[str] = "service"
    #: Port of the service in ARCHITECTURE.md.
    default_port: ClassVar[int] = 8000
    #: Database name in the local cluster.
    default_database: ClassVar[str] = "postgres"

    database_url: str = Field(default="", description="SQLAlchemy URL of this service's own database")
    kafka_bootstrap_servers: str = Field(default="", description="comma-separated host:port list")
    host: str = "127.0.0.1"
    port: int = 0
    log_level: str = "INFO"
    auth_jwt_secret: SecretStr = SecretStr("")
    #: ``local`` allows the documented local JWT secret; anything else refuses to start with it.
    environment: str = ""
    #: RS256 with keys from this JWKS URL instead of HS256 with the secret, when set.
    auth_jwks_url: str = ""
    auth_jwt_issuer: str = ""
    auth_jwt_audience: str = ""
    #: Comma-separated origins allowed by CORS; none by default.
    cors_allowed_origins: str = ""
    #: Largest request body accepted (bulk imports of 10 000 cases fit).
    max_body_bytes: int = 32 * 1024 * 1024
    idempotency_ttl_hours: float = 24.0
    #: Seconds the readiness probe waits for each dependency.
    readiness_timeout_seconds: float = 3.0
    #: Run the outbox relay, consumers and deadline scanners in this process.
    run_workers: bool = True
    #: Test hook (``ENFORCEMENT_ENV=local`` only): the process kills itself with SIGKILL right
    #: after committing a request whose path matches this regular expression — to prove that
    #: a crash between the commit and the response loses nothing (see api.transaction).
    crash_after_commit: str = ""

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str) -> str:
        return asyncpg_url(value) if value else value

    @model_validator(mode="after")
    def _defaults(self) -> BaseServiceSettings:
        for field, env in _SHARED_FALLBACKS.items():
            current = getattr(self, field)
            empty = not (current.get_secret_value() if isinstance(current, SecretStr) else current)
            if empty and os.environ.get(env):
                value = os.environ[env]
                setattr(self, field, SecretStr(value) if isinstance(current, SecretStr) else value)
        if not self.kafka_bootstrap_servers:
            self.kafka_bootstrap_servers = "127.0.0.1:29092"
        if not self.environment:
            self.environment = "local"
        if not self.auth_jwt_secret.get_secret_value() and not self.auth_jwks_url:
            if self.environment != "local":
                raise ValueError(
                    f"environment {self.environment!r}: set AUTH_JWT_SECRET or AUTH_JWKS_URL "
                    "(the local development secret is refused outside ENFORCEMENT_ENV=local)"
                )
            self.auth_jwt_secret = SecretStr(LOCAL_JWT_SECRET)
        if self.crash_after_commit and self.environment != "local":
            raise ValueError("crash_after_commit is a test hook, refused outside ENFORCEMENT_ENV=local")
        if not self.database_url:
            # The repo's local dev cluster (deploy/local, make run).
            self.database_url = f"postgresql+asyncpg://enforcement:enforcement@127.0.0.1:25432/{self.default_database}"
        if not self.port:
            self.port = self.default_port
        return self

    @property
    def cors_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_allowed_origins.split(",") if origin.strip()]
