"""Determinations name the policy version whose values made them (CONTRACT.md "policies"):
obligations (REV-5), reviews (REV-15), annual assessments (REV-8), summaries (REV-9).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("obligations", "reviews", "annual_assessments", "summaries")


def upgrade() -> None:
    for table in TABLES:  # null on rows determined before policies were versioned
        op.add_column(table, sa.Column("policy_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "policy_id")
