"""Baseline of tolerance-service's database: the schema starts here.

The first revision only establishes Alembic's version table, so every later
revision (tables of this service, outbox and inbox) has a parent to build on and
`tolerance-service migrate` is tested from the very beginning.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
