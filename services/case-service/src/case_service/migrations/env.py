"""Alembic environment of case-service: the shared runner over this service's metadata
and the shared tables (outbox, inbox, API kit), so autogenerate sees the whole schema."""

from case_service.models import Base
from enforcement_common.api.tables import metadata as api_tables
from enforcement_common.events.tables import metadata as event_tables
from enforcement_common.migrations import run_alembic_env

run_alembic_env(target_metadata=[Base.metadata, event_tables, api_tables])
