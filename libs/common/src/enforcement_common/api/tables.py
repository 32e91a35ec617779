"""Tables of the API kit every service has: idempotency keys, the audit log, the unit tree.

A service's Alembic revision calls :func:`create_api_tables` (``drop_api_tables``
on downgrade). Spelled out rather than derived from the Core tables, so an old
revision never changes when these definitions evolve.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Integer, LargeBinary, MetaData, Table, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = MetaData()

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("caller", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("request_hash", Text, nullable=False),
    Column("state", Text, nullable=False),  # in_flight | done
    Column("status", Integer),
    Column("headers", JSONB),
    Column("body", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("idempotency_keys_expires_idx", "expires_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", Text),
    Column("actor_name", Text),
    Column("roles", ARRAY(Text), nullable=False),
    Column("unit_id", Text),
    Column("method", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("resource_id", Text),
    Column("status", Integer, nullable=False),
    Column("correlation_id", Text),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Index("audit_log_actor_idx", "actor", "id"),
)

unit_tree = Table(
    "unit_tree",
    metadata,
    Column("unit_id", UUID(as_uuid=True), primary_key=True),
    Column("parent_id", UUID(as_uuid=True)),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Index("unit_tree_parent_idx", "parent_id"),
)

_APPEND_ONLY = (
    """
    CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only';
    END $$;
    """,
    """
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    """,
)


def create_api_tables() -> None:
    """Alembic upgrade step (version 1)."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "idempotency_keys",
        sa.Column("caller", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("headers", JSONB),
        sa.Column("body", sa.LargeBinary),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("idempotency_keys_expires_idx", "idempotency_keys", ["expires_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text),
        sa.Column("actor_name", sa.Text),
        sa.Column("roles", ARRAY(sa.Text), nullable=False),
        sa.Column("unit_id", sa.Text),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("resource_id", sa.Text),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("correlation_id", sa.Text),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
    )
    op.create_index("audit_log_actor_idx", "audit_log", ["actor", "id"])
    for statement in _APPEND_ONLY:  # asyncpg runs one statement at a time
        op.execute(statement)
    op.create_table(
        "unit_tree",
        sa.Column("unit_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("parent_id", UUID(as_uuid=True)),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    )
    op.create_index("unit_tree_parent_idx", "unit_tree", ["parent_id"])


def drop_api_tables() -> None:
    from alembic import op

    op.drop_table("unit_tree")
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("audit_log")
    op.drop_table("idempotency_keys")


def create_audit_truncate_guard() -> None:
    """Alembic upgrade step (version 2): the append-only trigger covers rows; TRUNCATE
    needs its own statement-level trigger, or the chain could restart from scratch unseen."""
    from alembic import op

    op.execute(
        """
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
        """
    )


def drop_audit_truncate_guard() -> None:
    from alembic import op

    op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
