"""Alembic, run the same way by every service.

A service keeps ``alembic.ini`` and ``migrations/`` at its root; its ``env.py`` is
one call to :func:`run_service_env`. The platform's own tables (policies, the
holiday calendar) have their own chain in ``enforcement_common.platform_migrations``,
applied first by :func:`upgrade`. :func:`upgrade` runs ``alembic upgrade head``
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

#: Version table of the platform chain (``enforcement_common.platform_migrations``).
PLATFORM_VERSION_TABLE = "platform_alembic_version"
PLATFORM_MIGRATIONS = Path(__file__).resolve().parent / "platform_migrations"


def platform_metadata() -> list[MetaData]:
    """Every table libs/common defines: what each service's database has besides its own."""
    from enforcement_common.api.tables import metadata as api_tables
    from enforcement_common.events.tables import metadata as event_tables
    from enforcement_common.holidays import metadata as calendar_tables
    from enforcement_common.policies import metadata as policy_tables

    return [event_tables, api_tables, policy_tables, calendar_tables]


def _platform_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PLATFORM_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def alembic_config(service_root: Path, database_url: str) -> Config:
    config = Config(str(service_root / "alembic.ini"))
    config.set_main_option("script_location", str(service_root / "migrations"))
    # '%' must be escaped for configparser (passwords may contain it).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(service_root: Path, database_url: str, revision: str = "head") -> None:
    """The platform chain to its head, then the service's chain to ``revision``."""
    command.upgrade(_platform_config(database_url), "head")
    command.upgrade(alembic_config(service_root, database_url), revision)


def downgrade(service_root: Path, database_url: str, revision: str = "base") -> None:
    """The service's chain to ``revision``; at ``base`` the platform chain too."""
    command.downgrade(alembic_config(service_root, database_url), revision)
    if revision == "base":
        command.downgrade(_platform_config(database_url), "base")


def run_service_env(metadata: MetaData) -> None:
    """Body of a service's ``migrations/env.py``: its own tables and every platform table,
    so autogenerate (and ``alembic check``) compares the whole schema."""
    run_alembic_env(target_metadata=[metadata, *platform_metadata()])


def run_alembic_env(target_metadata: MetaData | list[MetaData] | None, version_table: str = "alembic_version") -> None:
    """Body of a migrations ``env.py`` (online mode over asyncpg; offline emits SQL)."""
    config = context.config

    def include_name(name: str | None, type_: str, parent_names: object) -> bool:
        # Each chain keeps its own version table; neither is part of the other's model.
        return not (type_ == "table" and name in {"alembic_version", PLATFORM_VERSION_TABLE})

    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True, version_table=version_table)
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            version_table=version_table,
            include_name=include_name,
        )
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
