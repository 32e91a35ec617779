"""A deadline's last day may be unknown for a while: working days of a year whose holiday
schedule is not published yet cannot be counted (CASE-9), so ``due_on`` may be null until
the calendar covers it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("case_deadlines", "due_on", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM case_deadlines WHERE due_on IS NULL")
    op.alter_column("case_deadlines", "due_on", existing_type=sa.Date(), nullable=False)
