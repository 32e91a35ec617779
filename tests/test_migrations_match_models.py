"""Every service's migrations produce exactly the schema its models (and the platform's
tables) declare: ``alembic check`` finds nothing to autogenerate."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command

from enforcement_common.migrations import alembic_config, upgrade
from enforcement_common.testing.infra import create_scratch_database, drop_database

PACKAGES = ("case_service", "tolerance_service", "review_service", "accountability_service", "stats_service")


@pytest.mark.parametrize("package", PACKAGES)
async def test_alembic_check_finds_no_difference_between_migrations_and_models(package: str) -> None:
    name, libpq_url = await create_scratch_database()
    url = libpq_url.replace("postgresql://", "postgresql+asyncpg://")
    try:
        await asyncio.to_thread(upgrade, package, url)
        await asyncio.to_thread(command.check, alembic_config(package, url))
    finally:
        await drop_database(name)
