"""stats-service's migrations build exactly the schema its models (and the directory's) declare."""

from __future__ import annotations

import asyncio

from alembic import command

from enforcement_common.migrations import alembic_config


async def test_alembic_check_finds_no_difference_between_migrations_and_models(database: str) -> None:
    await asyncio.to_thread(command.check, alembic_config("stats_service", database))
