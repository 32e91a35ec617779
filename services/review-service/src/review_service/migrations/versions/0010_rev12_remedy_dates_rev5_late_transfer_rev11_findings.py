"""REV-12 judged by the remedy's filing date (reviews voided, REV-8 levels withdrawn); REV-5 late
transfers kept visible; REV-11 inspection findings per drawn file.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # REV-12: when the excluding remedy was filed (null for remedies seen before this revision).
    op.add_column("excluding_remedies", sa.Column("filed_on", sa.Date(), nullable=True))
    # REV-12: a completed review voided because its file came under a remedy filed before completion.
    op.add_column("reviews", sa.Column("voided", postgresql.JSONB(), nullable=True))
    # REV-8: levels withdrawn (review.officer_sanction_withdrawn), in order.
    op.add_column(
        "annual_assessments",
        sa.Column("withdrawn_levels", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"),
    )
    op.alter_column("annual_assessments", "withdrawn_levels", server_default=None)
    # REV-5: days the transfer came after due_on (null: on time or not transferred); stays after review.
    op.add_column("obligations", sa.Column("days_late", sa.Integer(), nullable=True))
    op.execute("UPDATE obligations SET days_late = submitted_on - due_on WHERE submitted_on > due_on")
    # REV-11: per drawn file, the file's grade and the quality of its self-review.
    op.create_table(
        "inspection_findings",
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("file_grade", sa.Text(), nullable=False),
        sa.Column("file_score", sa.Integer(), nullable=True),
        sa.Column("self_review_quality", sa.Text(), nullable=False),
        sa.Column("self_review_id", sa.Uuid(), nullable=True),
        sa.Column("self_review_grade", sa.Text(), nullable=True),
        sa.Column("problems", postgresql.JSONB(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"]),
        sa.PrimaryKeyConstraint("inspection_id", "case_id"),
    )
    op.create_index(op.f("ix_inspection_findings_unit_id"), "inspection_findings", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_inspection_findings_unit_id"), table_name="inspection_findings")
    op.drop_table("inspection_findings")
    op.drop_column("obligations", "days_late")
    op.drop_column("annual_assessments", "withdrawn_levels")
    op.drop_column("reviews", "voided")
    op.drop_column("excluding_remedies", "filed_on")
