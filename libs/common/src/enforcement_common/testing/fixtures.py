"""Pytest fixtures for the real test PostgreSQL and Kafka (registered by the root conftest)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from enforcement_common.testing.infra import BrokerControl, admin_database_url, kafka_bootstrap, repo_root


@pytest.fixture(scope="session")
def kafka_bootstrap_servers() -> str:
    return kafka_bootstrap()


@pytest.fixture
def broker_control() -> BrokerControl:
    """Stop/start the test broker; the broker is running again when the test ends."""
    control = BrokerControl(repo_root())
    yield control
    control.start()


@pytest.fixture
async def scratch_database() -> AsyncIterator[str]:
    """A new, empty database on the test server (libpq URL), dropped afterwards."""
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_database_url())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield admin_database_url().rsplit("/", 1)[0] + "/" + name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
