"""Alembic environment of review-service: its metadata plus the shared tables, so autogenerate sees the whole schema."""

from enforcement_common.api.tables import metadata as api_tables
from enforcement_common.events.tables import metadata as event_tables
from enforcement_common.migrations import run_alembic_env
from review_service.models import Base

run_alembic_env(target_metadata=[Base.metadata, event_tables, api_tables])
