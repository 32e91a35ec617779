"""Policy versions (CONTRACT.md "policies") and the published holiday calendar ("calendar").

Revision ID: p0001
Revises:
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision: str = "p0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("issuer_unit_id", UUID(as_uuid=True)),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("values", JSONB, nullable=False),
        sa.Column("source", JSONB, nullable=False),
        sa.Column("created_by", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.UniqueConstraint("issuer_unit_id", "effective_from", name="policy_versions_issuer_from_key"),
    )
    op.execute(
        "CREATE UNIQUE INDEX policy_versions_platform_from_key ON policy_versions (effective_from) "
        "WHERE issuer_unit_id IS NULL"
    )
    # A version never changes once stored: a correction is a new version.
    op.execute(
        """
        CREATE FUNCTION policy_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'policy versions never change; issue a new version' USING ERRCODE = 'restrict_violation';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER policy_versions_immutable BEFORE UPDATE OR DELETE ON policy_versions "
        "FOR EACH ROW EXECUTE FUNCTION policy_versions_immutable()"
    )
    op.execute(
        "CREATE TRIGGER policy_versions_no_truncate BEFORE TRUNCATE ON policy_versions "
        "FOR EACH STATEMENT EXECUTE FUNCTION policy_versions_immutable()"
    )
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("holidays", ARRAY(sa.Date), nullable=False),
        sa.Column("adjusted_working_days", ARRAY(sa.Date), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    )


def downgrade() -> None:
    op.drop_table("calendar_years")
    op.execute("DROP TABLE policy_versions")
    op.execute("DROP FUNCTION policy_versions_immutable()")
