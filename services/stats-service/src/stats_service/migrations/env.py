"""Alembic environment of stats-service: its tables, the shared directory's and every platform
table, so autogenerate (and `alembic check`) compares the whole schema."""

from enforcement_common.directory import metadata as directory_tables
from enforcement_common.migrations import run_service_env
from stats_service.models import Base

run_service_env(Base.metadata, directory_tables)
