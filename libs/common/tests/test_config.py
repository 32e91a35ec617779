"""Settings: per-service prefix, shared unprefixed fallbacks, driver normalisation."""

from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic_settings import SettingsConfigDict

from enforcement_common.config import LOCAL_JWT_SECRET, BaseServiceSettings, asyncpg_url

pytestmark = pytest.mark.unit  # pure: make unit runs it without servers


class ExampleSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_", extra="ignore")
    service_name: ClassVar[str] = "example-service"
    default_port: ClassVar[int] = 8009
    default_database: ClassVar[str] = "example_service"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "KAFKA_BOOTSTRAP_SERVERS",
        "AUTH_JWT_SECRET",
        "EXAMPLE_KAFKA_BOOTSTRAP_SERVERS",
        "EXAMPLE_DATABASE_URL",
        "ENFORCEMENT_ENV",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_point_at_the_local_dev_instance() -> None:
    settings = ExampleSettings()
    assert settings.port == 8009 and settings.host == "127.0.0.1"
    assert settings.database_url == "postgresql+asyncpg://enforcement:enforcement@127.0.0.1:25432/example_service"
    assert settings.kafka_bootstrap_servers == "127.0.0.1:29092"
    assert settings.auth_jwt_secret.get_secret_value() == LOCAL_JWT_SECRET


def test_prefixed_variables_configure_one_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAMPLE_DATABASE_URL", "postgresql://u:p@db:5432/x")
    monkeypatch.setenv("EXAMPLE_PORT", "9100")
    monkeypatch.setenv("OTHER_PORT", "9200")
    settings = ExampleSettings()
    assert settings.database_url == "postgresql+asyncpg://u:p@db:5432/x"
    assert settings.port == 9100


def test_shared_variables_apply_unless_the_prefixed_one_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092")
    monkeypatch.setenv("AUTH_JWT_SECRET", "s" * 40)
    settings = ExampleSettings()
    assert settings.kafka_bootstrap_servers == "k1:9092,k2:9092"
    assert settings.auth_jwt_secret.get_secret_value() == "s" * 40
    monkeypatch.setenv("EXAMPLE_KAFKA_BOOTSTRAP_SERVERS", "mine:9092")
    assert ExampleSettings().kafka_bootstrap_servers == "mine:9092"


def test_database_url_must_be_postgresql() -> None:
    assert asyncpg_url("postgres://a@b/c") == "postgresql+asyncpg://a@b/c"
    with pytest.raises(ValueError, match="postgresql"):
        asyncpg_url("mysql://a@b/c")
    with pytest.raises(ValueError):
        ExampleSettings(database_url="sqlite:///x.db")


def test_the_local_jwt_secret_is_refused_outside_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENFORCEMENT_ENV", "production")
    with pytest.raises(ValueError, match="AUTH_JWT_SECRET"):
        ExampleSettings()
    monkeypatch.setenv("AUTH_JWT_SECRET", "p" * 40)
    assert ExampleSettings().auth_jwt_secret.get_secret_value() == "p" * 40
