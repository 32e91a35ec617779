"""CASE-3 restriction periods of officers (what a certificate was worth on a past date),
the penalty kinds of a decision (行政处罚法 第九条, STAT-7) and the duties of a unit (STAT-8).

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("units", sa.Column("duties", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"))
    op.add_column("cases", sa.Column("penalty_kinds", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"))
    op.create_table(
        "officer_restrictions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column("officer_id", sa.Uuid(), sa.ForeignKey("officers.id"), nullable=False),
        sa.Column("restriction", sa.Text(), nullable=False),
        sa.Column("from_on", sa.Date(), nullable=False),
        sa.Column("until_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_officer_restrictions_officer_id", "officer_restrictions", ["officer_id"])
    # The restriction in force now is the only period known so far; without its date it
    # reads as in force since ever (as it did before).
    op.execute(
        """
        INSERT INTO officer_restrictions (officer_id, restriction, from_on)
        SELECT id, restriction, COALESCE(restricted_on, DATE '1900-01-01')
        FROM officers WHERE restriction <> 'none'
        """
    )


def downgrade() -> None:
    op.drop_index("ix_officer_restrictions_officer_id", table_name="officer_restrictions")
    op.drop_table("officer_restrictions")
    op.drop_column("cases", "penalty_kinds")
    op.drop_column("units", "duties")
