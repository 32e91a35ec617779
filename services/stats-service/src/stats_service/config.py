"""Settings of stats-service, from environment variables prefixed ``STATS_``."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from enforcement_common.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    """``STATS_DATABASE_URL``, ``STATS_PORT`` …; Kafka and the JWT secret may be shared, unprefixed."""

    model_config = SettingsConfigDict(env_prefix="STATS_", extra="ignore")

    service_name: ClassVar[str] = "stats-service"
    default_port: ClassVar[int] = 8005
    default_database: ClassVar[str] = "stats_service"

    #: How often annual reports owed are listed and overdue ones announced (STAT-6).
    report_scan_interval_seconds: float = 300.0
    #: First year for which an annual report is owed.
    reports_since_year: int = 2026
    #: case-service's base URL for reconciliation (GET /api/v1/cases:counts).
    case_service_url: str = "http://127.0.0.1:8001"
    #: How often a rebuild in progress (after a crash, too) is picked up.
    rebuild_poll_seconds: float = 2.0
    #: Records per rebuild transaction.
    rebuild_batch_size: int = 2000
