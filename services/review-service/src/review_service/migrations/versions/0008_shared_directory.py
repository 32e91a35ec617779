"""The officer and case read models become the shared directory (enforcement_common.directory):
the columns it keeps beyond what review-service kept.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("officer_views", sa.Column("staff_type", sa.Text(), nullable=True))
    op.add_column("officer_views", sa.Column("certificate_no", sa.Text(), nullable=True))
    op.add_column("officer_views", sa.Column("certificate_expires_on", sa.Date(), nullable=True))
    op.create_index("ix_officer_views_unit_id", "officer_views", ["unit_id"])
    op.add_column("case_views", sa.Column("is_major", sa.Boolean(), nullable=True))
    op.add_column("case_views", sa.Column("status", sa.Text(), nullable=True))
    # Cases known before: closed (a closure is what made most of them known) or still filed.
    op.execute("UPDATE case_views SET status = CASE WHEN closed_on IS NULL THEN 'filed' ELSE 'closed' END")


def downgrade() -> None:
    op.drop_column("case_views", "status")
    op.drop_column("case_views", "is_major")
    op.drop_index("ix_officer_views_unit_id", table_name="officer_views")
    op.drop_column("officer_views", "certificate_expires_on")
    op.drop_column("officer_views", "certificate_no")
    op.drop_column("officer_views", "staff_type")
