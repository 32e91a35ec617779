"""Indexes of the case list (GET /cases): a unit's cases in list order, and by status in that order.

``GET /cases`` pages by the keyset ``(filed_on, id)`` within the caller's units; a page of 50
then reads 50 index entries instead of sorting the unit's cases (100 000 in the benchmark,
deploy/bench/bench_case_list.py). ``(unit_id, filed_on, id)`` also serves every lookup by
unit, so the single-column index on ``unit_id`` goes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_unit_id_filed_on_id", "cases", ["unit_id", "filed_on", "id"])
    op.create_index("ix_cases_unit_id_status_filed_on_id", "cases", ["unit_id", "status", "filed_on", "id"])
    op.drop_index("ix_cases_unit_id", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_unit_id", "cases", ["unit_id"])
    op.drop_index("ix_cases_unit_id_status_filed_on_id", table_name="cases")
    op.drop_index("ix_cases_unit_id_filed_on_id", table_name="cases")
