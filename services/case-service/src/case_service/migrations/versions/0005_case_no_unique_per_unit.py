"""Case numbers are unique within a unit (short names of units may repeat across the county).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint("cases_case_no_key", "cases", type_="unique")
    op.create_unique_constraint("cases_unit_id_case_no_key", "cases", ["unit_id", "case_no"])


def downgrade() -> None:
    op.drop_constraint("cases_unit_id_case_no_key", "cases", type_="unique")
    op.create_unique_constraint("cases_case_no_key", "cases", ["case_no"])
