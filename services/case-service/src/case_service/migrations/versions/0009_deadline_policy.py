"""Deadlines name the policy version whose period set them (CONTRACT.md "deadlines", "policies").

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


def upgrade() -> None:
    # Null on deadlines set before: the count of their last day resolves the policy then.
    op.add_column("case_deadlines", sa.Column("policy_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column("case_deadlines", "policy_id")
