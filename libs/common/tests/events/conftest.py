"""Fixtures of the events tests: a database copied from the migrated template and a fresh topic per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from enforcement_common.db import create_engine, session_factory
from enforcement_common.testing.databases import database_from_template
from enforcement_common.testing.events import ExampleHappened, bind_topic, create_topic

HERE = Path(__file__).resolve().parent


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A copy of the session's migrated template (enforcement_common.testing.databases)."""
    async with database_from_template(HERE) as url:
        yield url


@pytest.fixture
async def engine(database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database, pool_size=10)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
async def topic(kafka_bootstrap_servers: str) -> str:
    return await create_topic(kafka_bootstrap_servers)


@pytest.fixture
def example(topic: str) -> type[ExampleHappened]:
    """ExampleHappened bound to this test's topic."""
    return bind_topic(topic)
