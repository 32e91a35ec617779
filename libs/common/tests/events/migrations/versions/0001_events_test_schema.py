"""Outbox and inbox, plus an effects table and a deadline table for the tests.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from enforcement_common.events.tables import create_event_tables, drop_event_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_event_tables()
    # What handlers do: one row per application of an event. No unique constraint on
    # purpose, so a double application shows up as two rows.
    op.create_table(
        "effects",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("aggregate_id", sa.Text, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("consumer", sa.Text, nullable=False, server_default="main"),
        sa.Column("correlation_id", sa.Text),
        sa.Column("causation_id", sa.Text),
    )
    op.create_table(
        "deadline_items",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overdue_emitted_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("deadline_items")
    op.drop_table("effects")
    drop_event_tables()
