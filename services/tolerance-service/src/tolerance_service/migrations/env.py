"""Alembic environment of tolerance-service: the shared runner over this service's metadata."""

from enforcement_common.migrations import run_alembic_env

# No ORM models yet; later revisions register tolerance_service's metadata here.
run_alembic_env(target_metadata=None)
