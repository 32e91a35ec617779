"""The statistics projection per generation (counters, officers, trainings, reviews, tolerance,
accountability), its event log and positions, the shared directory, reports, annual report
dues and rebuilds.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:25:25.296868+08:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from enforcement_common.directory import create_directory_tables, drop_directory_tables

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_directory_tables()
    op.create_table(
        "annual_reports_due",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("overdue_emitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "year", name="uq_annual_reports_due_unit_year"),
    )
    op.create_table(
        "rebuilds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("positions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("targets", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("events_done", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("differences", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_rebuilds_one_running", "rebuilds", ["status"], unique=True, postgresql_where="status = 'running'"
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("positions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("catalogue_version", sa.Text(), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.Text(), nullable=True),
        sa.Column("submitted_by_name", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_reports_unit_id"), "reports", ["unit_id"], unique=False)
    op.create_table(
        "stat_cases",
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("penalty_kinds", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("fine_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("confiscation_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("hearing_held", sa.Boolean(), nullable=False),
        sa.Column("closed_fine_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("closed_confiscation_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("closed_hearing_held", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("gen", "case_id"),
    )
    op.create_table(
        "stat_counters",
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("gen", "unit_id", "day", "category", "measure"),
    )
    op.create_table(
        "stat_error_cases",
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("error_case_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("is_error_case", sa.Boolean(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("gen", "error_case_id"),
    )
    op.create_table(
        "stat_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index("ix_stat_events_position", "stat_events", ["topic", "partition", "offset"], unique=False)
    op.create_table(
        "stat_obligations",
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("obligation_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("gen", "obligation_id"),
    )
    op.create_table(
        "stat_officer_states",
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("staff_type", sa.Text(), nullable=False),
        sa.Column("certificate_no", sa.Text(), nullable=True),
        sa.Column("certificate_expires_on", sa.Date(), nullable=True),
        sa.Column("qualification_status", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("gen", "event_id"),
    )
    op.create_index(
        "ix_stat_officer_states_officer",
        "stat_officer_states",
        ["gen", "officer_id", "effective_on", "seq"],
        unique=False,
    )
    op.create_table(
        "stat_positions",
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("next_offset", sa.BigInteger(), nullable=False),
        sa.Column("last_event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("gen", "topic", "partition"),
    )
    op.create_table(
        "stat_respondents",
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("error_case_id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("tolerated", sa.Boolean(), nullable=False),
        sa.Column("sanctions", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("gen", "error_case_id", "officer_id"),
    )
    op.create_table(
        "stat_reviews",
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("grade", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("gen", "review_id"),
    )
    op.create_table(
        "stat_sanctions",
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("error_case_id", sa.Uuid(), nullable=False),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("sanctions", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("gen", "event_id"),
    )
    op.create_table(
        "stat_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("live_gen", sa.Integer(), nullable=False),
        sa.Column("switched_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "stat_tolerance_decisions",
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("officer_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("gen", "application_id"),
    )
    op.create_table(
        "stat_trainings",
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("organizer_unit_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("attendee_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.PrimaryKeyConstraint("gen", "training_id"),
    )
    op.create_table(
        "stat_units",
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("region_code", sa.Text(), nullable=True),
        sa.Column("duties", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("gen", "unit_id"),
    )
    op.execute("INSERT INTO stat_state (id, live_gen) VALUES (1, 1)")


def downgrade() -> None:
    op.drop_table("stat_units")
    op.drop_table("stat_trainings")
    op.drop_table("stat_tolerance_decisions")
    op.drop_table("stat_state")
    op.drop_table("stat_sanctions")
    op.drop_table("stat_reviews")
    op.drop_table("stat_respondents")
    op.drop_table("stat_positions")
    op.drop_index("ix_stat_officer_states_officer", table_name="stat_officer_states")
    op.drop_table("stat_officer_states")
    op.drop_table("stat_obligations")
    op.drop_index("ix_stat_events_position", table_name="stat_events")
    op.drop_table("stat_events")
    op.drop_table("stat_error_cases")
    op.drop_table("stat_counters")
    op.drop_table("stat_cases")
    op.drop_index(op.f("ix_reports_unit_id"), table_name="reports")
    op.drop_table("reports")
    op.drop_index("uq_rebuilds_one_running", table_name="rebuilds", postgresql_where="status = 'running'")
    op.drop_table("rebuilds")
    op.drop_table("annual_reports_due")
    drop_directory_tables()
