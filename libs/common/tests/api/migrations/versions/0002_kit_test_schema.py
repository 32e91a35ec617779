"""Schema of the kit tests: the shared officer and case directory, and example `reminders`
(a due date, a marker, tags) for the list filters and the overdue scanner.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from enforcement_common.directory import create_directory_tables, drop_directory_tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_directory_tables()
    op.create_table(
        "reminders",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("unit_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("done", sa.Boolean, nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.Uuid), nullable=False),
        sa.Column("overdue_emitted_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("reminders")
    drop_directory_tables()
