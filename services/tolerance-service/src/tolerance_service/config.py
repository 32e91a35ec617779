"""Settings of tolerance-service, from environment variables prefixed ``TOLERANCE_``."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from enforcement_common.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    """``TOLERANCE_DATABASE_URL``, ``TOLERANCE_PORT`` …; Kafka and the JWT secret may be shared, unprefixed."""

    model_config = SettingsConfigDict(env_prefix="TOLERANCE_", extra="ignore")

    service_name: ClassVar[str] = "tolerance-service"
    default_port: ClassVar[int] = 8002
    default_database: ClassVar[str] = "tolerance_service"

    #: How often the deadline scanners (notification, correction, petition feedback) run.
    scan_interval_seconds: float = Field(default=60.0, gt=0)
