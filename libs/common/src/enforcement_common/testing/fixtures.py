"""Pytest plugin for the real test PostgreSQL and Kafka (registered by the root conftest):
shared fixtures, the ``unit`` marker of the pure-rule tests, and the end-of-session
clean-up of template databases."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from enforcement_common.testing.infra import (
    BrokerControl,
    PgControl,
    create_scratch_database,
    drop_database,
    kafka_bootstrap,
    repo_root,
)

#: A test under a folder of this name is a pure-rule test (``make unit``): no I/O.
UNIT_TEST_FOLDER = "unit"
#: Set by ``make unit``: the servers are not started, a fixture that needs one fails at once.
UNIT_ONLY = "ENFORCEMENT_UNIT_ONLY"


def _servers_needed(what: str) -> None:
    if os.environ.get(UNIT_ONLY) == "1":
        raise RuntimeError(f"make unit starts no servers, and this test needs {what}: it is not a unit test")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "unit: a pure-rule test that needs no server (make unit runs only these, without PostgreSQL or Kafka)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under a ``tests/unit/`` folder is marked ``unit``."""
    for item in items:
        parts = item.path.parts
        if "tests" in parts and UNIT_TEST_FOLDER in parts[parts.index("tests") + 1 : -1]:
            item.add_marker(pytest.mark.unit)


def pytest_sessionfinish(session: pytest.Session) -> None:
    from enforcement_common.testing.databases import drop_templates

    drop_templates()


@pytest.fixture(scope="session")
def kafka_bootstrap_servers() -> str:
    _servers_needed("Kafka")
    return kafka_bootstrap()


@pytest.fixture
def broker_control() -> BrokerControl:
    """Stop/start the test broker; the broker is running again when the test ends."""
    _servers_needed("the test broker")
    control = BrokerControl(repo_root())
    yield control
    control.start()


@pytest.fixture
def pg_control() -> PgControl:
    """Stop/start the test PostgreSQL; the server is running again when the test ends
    (other tests and the session's clean-up share it)."""
    _servers_needed("the test PostgreSQL")
    control = PgControl(repo_root())
    yield control
    control.start()


@pytest.fixture
async def scratch_database() -> AsyncIterator[str]:
    """A new, empty database on the test server (libpq URL), dropped afterwards."""
    _servers_needed("PostgreSQL")
    name, url = await create_scratch_database()
    try:
        yield url
    finally:
        await drop_database(name)
