"""Settings of accountability-service, from environment variables prefixed ``ACCOUNTABILITY_``."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from enforcement_common.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    """``ACCOUNTABILITY_DATABASE_URL``, ``ACCOUNTABILITY_PORT`` …; Kafka and the JWT secret may be shared, unprefixed."""

    model_config = SettingsConfigDict(env_prefix="ACCOUNTABILITY_", extra="ignore")

    service_name: ClassVar[str] = "accountability-service"
    default_port: ClassVar[int] = 8004
    default_database: ClassVar[str] = "accountability_service"
