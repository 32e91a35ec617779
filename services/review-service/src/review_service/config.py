"""Settings of review-service, from environment variables prefixed ``REVIEW_``."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from enforcement_common.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    """``REVIEW_DATABASE_URL``, ``REVIEW_PORT`` …; Kafka and the JWT secret may be shared, unprefixed.

    The rules' configurable values (REV-5, REV-8, REV-9, REV-15) are policy versions
    (``review_service.policy``), not settings."""

    model_config = SettingsConfigDict(env_prefix="REVIEW_", extra="ignore")

    service_name: ClassVar[str] = "review-service"
    default_port: ClassVar[int] = 8003
    default_database: ClassVar[str] = "review_service"

    obligation_scan_interval_seconds: float = 60.0
    #: First year for which half-year summaries are owed.
    summaries_since_year: int = 2026
