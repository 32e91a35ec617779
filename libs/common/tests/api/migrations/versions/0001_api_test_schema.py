"""Schema of the API-kit tests: the shared event and API tables, plus the example `notes`.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from enforcement_common.api.tables import create_api_tables, create_audit_truncate_guard, drop_api_tables
from enforcement_common.events.tables import create_event_tables, drop_event_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_event_tables()
    create_api_tables()
    create_audit_truncate_guard()
    op.create_table(
        "notes",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("unit_id", sa.Uuid, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notes")
    drop_api_tables()
    drop_event_tables()
