"""Reviews voided (review.voided, REV-12) and sanctions withdrawn (accountability.sanction_withdrawn,
TOL-15/ERR-12) kept by the projection.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("stat_reviews", sa.Column("voided", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("stat_sanctions", sa.Column("withdrawn", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column("stat_sanctions", "withdrawn")
    op.drop_column("stat_reviews", "voided")
