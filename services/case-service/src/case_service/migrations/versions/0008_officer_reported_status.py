"""The qualification status last reported downstream, per officer, so that a certificate
running out is reported once by the expiry scanner.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("officers", sa.Column("reported_status", sa.Text(), nullable=True))
    # What was reported so far is today's status (Asia/Shanghai), as every event carried it.
    op.execute(
        """
        UPDATE officers SET reported_status = CASE
            WHEN restriction = 'revoked' THEN 'revoked'
            WHEN restriction = 'suspended' THEN 'suspended'
            WHEN certificate_number IS NULL OR certificate_expires_on IS NULL
                 OR certificate_expires_on < (now() AT TIME ZONE 'Asia/Shanghai')::date THEN 'uncertified'
            ELSE 'active' END
        """
    )


def downgrade() -> None:
    op.drop_column("officers", "reported_status")
