"""CASE-9: approved extensions of a deadline with their history, and the original last day
kept on the deadline (行政处罚法 第六十条).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("case_deadlines", sa.Column("original_due_on", sa.Date(), nullable=True))
    op.create_table(
        "case_deadline_extensions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("deadline_id", sa.Uuid(), sa.ForeignKey("case_deadlines.id"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("previous_due_on", sa.Date(), nullable=False),
        sa.Column("new_due_on", sa.Date(), nullable=False),
        sa.Column("approved_by", sa.Uuid(), sa.ForeignKey("officers.id"), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_deadline_extensions_case_id", "case_deadline_extensions", ["case_id"])
    op.create_index("ix_case_deadline_extensions_deadline_id", "case_deadline_extensions", ["deadline_id"])


def downgrade() -> None:
    op.drop_table("case_deadline_extensions")
    op.drop_column("case_deadlines", "original_due_on")
