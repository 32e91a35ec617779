"""Alembic, run the same way by every service.

A service keeps ``alembic.ini`` and ``migrations/`` at its root; its ``env.py`` is
one call to :func:`run_alembic_env`. :func:`upgrade` runs ``alembic upgrade head``
programmatically for the service CLI's ``migrate`` command and for the tests, which
always build their schema through the migrations, never ``create_all``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(service_root: Path, database_url: str) -> Config:
    config = Config(str(service_root / "alembic.ini"))
    config.set_main_option("script_location", str(service_root / "migrations"))
    # '%' must be escaped for configparser (passwords may contain it).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(service_root: Path, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service_root, database_url), revision)


def downgrade(service_root: Path, database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(service_root, database_url), revision)


def run_alembic_env(target_metadata: MetaData | list[MetaData] | None) -> None:
    """Body of a service's ``migrations/env.py`` (online mode over asyncpg; offline emits SQL)."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

    async def online() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(run)
        finally:
            await engine.dispose()

    # The CLI and the tests call upgrade() outside any running event loop.
    asyncio.run(online())
