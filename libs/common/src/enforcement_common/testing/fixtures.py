"""Pytest fixtures for the real test PostgreSQL and Kafka (registered by the root conftest)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from enforcement_common.testing.infra import (
    BrokerControl,
    create_scratch_database,
    drop_database,
    kafka_bootstrap,
    repo_root,
)


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
    name, url = await create_scratch_database()
    try:
        yield url
    finally:
        await drop_database(name)
