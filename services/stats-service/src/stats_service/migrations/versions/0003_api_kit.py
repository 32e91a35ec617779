"""API kit tables: idempotency keys, hash-chained audit log, unit tree (libs/common, version 1).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from collections.abc import Sequence

from enforcement_common.api.tables import create_api_tables, drop_api_tables

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_api_tables()


def downgrade() -> None:
    drop_api_tables()
