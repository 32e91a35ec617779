"""A penalty case's decision outcome (行政处罚法 第五十七条): imposed, not imposed, facts not established.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("penalty_outcome", sa.Text))
    # Every penalty decision before this revision named its kinds: a penalty imposed.
    op.execute("UPDATE cases SET penalty_outcome = 'imposed' WHERE category = 'penalty' AND decided_on IS NOT NULL")


def downgrade() -> None:
    op.drop_column("cases", "penalty_outcome")
