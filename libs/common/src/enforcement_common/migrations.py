"""Alembic, run the same way by every service.

A service ships ``alembic.ini`` and ``migrations/`` inside its Python package
(``src/case_service/alembic.ini``, ``src/case_service/migrations/``), so they are in
its wheel and found with :mod:`importlib.resources` however it is installed; its
``env.py`` is one call to :func:`run_service_env`. The platform's own tables (policies,
the holiday calendar) have their own chain in ``enforcement_common.platform_migrations``
(version table ``platform_alembic_version``), applied first by :func:`upgrade`, which
runs ``alembic upgrade head`` programmatically for the service CLI's ``migrate`` command
and for the tests — they always build their schema through the migrations, never
``create_all``::

    upgrade("case_service", database_url)
"""

from __future__ import annotations

import asyncio
import importlib.resources
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
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


def migrations_folder(package: str | Path) -> Path:
    """The folder holding ``alembic.ini`` and ``migrations/``.

    ``package`` is the import name of a service package (``"case_service"``), located
    with :mod:`importlib.resources`; a :class:`~pathlib.Path` is taken as the folder
    itself (libs/common's tests keep their fixture migrations in a plain folder).
    """
    if isinstance(package, Path):
        folder = package
    else:
        resource = importlib.resources.files(package)
        if not isinstance(resource, Path):  # e.g. imported from a zip archive
            raise RuntimeError(f"{package}: its migrations must be installed as files, not in {resource!r}")
        folder = resource
    if not (folder / "alembic.ini").is_file() or not (folder / "migrations").is_dir():
        raise FileNotFoundError(f"{folder}: no alembic.ini and migrations/ here")
    return folder


def alembic_config(package: str | Path, database_url: str) -> Config:
    """Alembic's configuration for ``package``'s migrations (see :func:`migrations_folder`)."""
    folder = migrations_folder(package)
    config = Config(str(folder / "alembic.ini"))
    config.set_main_option("script_location", str(folder / "migrations"))
    # '%' must be escaped for configparser (passwords may contain it).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


#: PostgreSQL advisory lock key held while a database is migrated (any constant; locks are per database).
MIGRATION_LOCK_KEY = 0x656E666D6967  # "enfmig"


@contextmanager
def one_migration_at_a_time(database_url: str) -> Iterator[None]:
    """Hold the database's migration lock: the replicas' init containers (deploy/k8s) start
    ``migrate`` together; the later ones wait, then find the schema at head."""
    loop = asyncio.new_event_loop()  # not running: Alembic's env.py runs its own loop meanwhile
    try:
        connection = loop.run_until_complete(
            asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
        )
        try:
            loop.run_until_complete(connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY))
            yield
        finally:
            loop.run_until_complete(connection.close())  # releases the lock
    finally:
        loop.close()


def upgrade(package: str | Path, database_url: str, revision: str = "head") -> None:
    """``alembic upgrade`` of a service package's migrations: ``upgrade("case_service", url)``."""
    config = alembic_config(package, database_url)
    with one_migration_at_a_time(database_url):
        command.upgrade(_platform_config(database_url), "head")  # the platform chain first
        command.upgrade(config, revision)


def downgrade(package: str | Path, database_url: str, revision: str = "base") -> None:
    """The service's chain to ``revision``; at ``base`` the platform chain too."""
    config = alembic_config(package, database_url)
    with one_migration_at_a_time(database_url):
        command.downgrade(config, revision)
        if revision == "base":
            command.downgrade(_platform_config(database_url), "base")


def run_service_env(*metadata: MetaData) -> None:
    """Body of a service's ``migrations/env.py``: its own tables (and those of optional
    platform pieces it keeps, e.g. ``directory.metadata``) and every platform table, so
    autogenerate (and ``alembic check``) compares the whole schema."""
    run_alembic_env(target_metadata=[*metadata, *platform_metadata()])


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
