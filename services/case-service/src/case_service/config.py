"""Settings of case-service, from environment variables prefixed ``CASE_``."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from enforcement_common.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    """``CASE_DATABASE_URL``, ``CASE_PORT`` …; Kafka and the JWT secret may be shared, unprefixed.

    The rules' configurable values (deadlines, handlers per category) are policy versions
    (``case_service.policy``), not settings."""

    model_config = SettingsConfigDict(env_prefix="CASE_", extra="ignore")

    service_name: ClassVar[str] = "case-service"
    default_port: ClassVar[int] = 8001
    default_database: ClassVar[str] = "case_service"

    #: Case number format; {short} = the unit's short name, {year}, {n} = number in the unit's year.
    case_no_format: str = "{short}〔{year}〕{n}号"
    #: Seconds between deadline scans.
    deadline_scan_interval_seconds: float = 60.0
