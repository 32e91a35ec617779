"""The counters read by index only (county-year query), the unit tree walked by parent.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_stat_counters_unit_day_covering",
        "stat_counters",
        ["gen", "unit_id", "day"],
        postgresql_include=["category", "measure", "value"],
    )
    op.create_index("ix_stat_units_parent", "stat_units", ["gen", "parent_id"])


def downgrade() -> None:
    op.drop_index("ix_stat_units_parent", table_name="stat_units")
    op.drop_index("ix_stat_counters_unit_day_covering", table_name="stat_counters")
