"""Alembic environment of the platform chain (see the package docstring)."""

from enforcement_common.migrations import PLATFORM_VERSION_TABLE, platform_metadata, run_alembic_env

run_alembic_env(target_metadata=platform_metadata(), version_table=PLATFORM_VERSION_TABLE)
