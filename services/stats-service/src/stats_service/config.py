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
