"""Fixtures of the events tests: a migrated scratch database and a fresh topic per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from enforcement_common.db import create_engine, session_factory
from enforcement_common.migrations import upgrade
from enforcement_common.testing.events import ExampleHappened, bind_topic, create_topic

HERE = Path(__file__).resolve().parent


@pytest.fixture
async def database(scratch_database: str) -> str:
    url = scratch_database.replace("postgresql://", "postgresql+asyncpg://")
    await asyncio.to_thread(upgrade, HERE, url)
    return url


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
