"""Settings of case-service, from environment variables prefixed ``CASE_``."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from enforcement_common.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    """``CASE_DATABASE_URL``, ``CASE_PORT`` …; Kafka and the JWT secret may be shared, unprefixed."""

    model_config = SettingsConfigDict(env_prefix="CASE_", extra="ignore")

    service_name: ClassVar[str] = "case-service"
    default_port: ClassVar[int] = 8001
    default_database: ClassVar[str] = "case_service"
