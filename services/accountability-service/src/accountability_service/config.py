"""Settings of accountability-service, from environment variables prefixed ``ACCOUNTABILITY_``."""

from typing import ClassVar

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from enforcement_common.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    """``ACCOUNTABILITY_DATABASE_URL``, ``ACCOUNTABILITY_PORT`` …; Kafka and the JWT secret may be shared, unprefixed.

    The rules' configurable values (ERR-10 periods, the quarterly report's due date) are policy
    versions (``accountability_service.policy``), not settings. The checkpoint signing key is a
    deployment's secret, not a rule: ``ACCOUNTABILITY_CHECKPOINT_SIGNING_KEY`` is the hex of a
    32-byte Ed25519 private key (empty: a key made at start-up, for development and tests)."""

    model_config = SettingsConfigDict(env_prefix="ACCOUNTABILITY_", extra="ignore")

    service_name: ClassVar[str] = "accountability-service"
    default_port: ClassVar[int] = 8004
    default_database: ClassVar[str] = "accountability_service"

    checkpoint_signing_key: SecretStr = SecretStr("")
    #: How often the periodic job looks for work: a checkpoint when none was signed today,
    #: the quarterly reports owed; the deadline scanners.
    scan_interval_seconds: float = 300.0
    #: First year for which quarterly interference reports are owed.
    reports_since_year: int = 2026
