"""Alembic environment of accountability-service: its tables and every platform table, so
autogenerate (and `alembic check`) compares the whole schema."""

from accountability_service.models import Base
from enforcement_common.directory import metadata as directory_tables
from enforcement_common.migrations import run_service_env

run_service_env(Base.metadata, directory_tables)
