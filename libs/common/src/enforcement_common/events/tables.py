"""The ``outbox`` and ``inbox`` tables every service has, and their migration.

A service's Alembic revision calls :func:`create_event_tables` (and
:func:`drop_event_tables` on downgrade); the Core tables below are what the
outbox, relay and consumer query.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Integer, MetaData, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID

#: Channel the outbox trigger notifies; the relay LISTENs on it (one per database).
NOTIFY_CHANNEL = "outbox_pending"

metadata = MetaData()

outbox = Table(
    "outbox",
    metadata,
    # Sequence order = insertion order within a transaction; across transactions
    # commit order may differ (the late-commit gap) — the relay never relies on a
    # high-water mark, it publishes every row not yet marked.
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("topic", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("published_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Index("outbox_pending_idx", "id", postgresql_where=text("published_at IS NULL")),
    Index("outbox_pending_key_idx", "key", "id", postgresql_where=text("published_at IS NULL")),
    Index("outbox_published_idx", "published_at", postgresql_where=text("published_at IS NOT NULL")),
)

inbox = Table(
    "inbox",
    metadata,
    # Per consumer group: two groups of one service reading the same topic each apply an
    # event once (version 2, inbox_per_consumer_group; rows of version 1 have '').
    Column("consumer_group", Text, primary_key=True),
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("event_type", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    # processed | dead_lettered
    Column("outcome", Text, nullable=False, server_default=text("'processed'")),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Index("inbox_processed_at_idx", "processed_at"),
)

_NOTIFY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- One notification per statement; delivered at commit, so the relay wakes when rows are visible.
  PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
  RETURN NULL;
END $$;
"""
_NOTIFY_TRIGGER = """
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
"""


def create_event_tables() -> None:
    """Alembic upgrade step: outbox (with its NOTIFY trigger) and inbox, version 1.

    Spelled out rather than derived from the tables above, so that a later change of
    those definitions never changes what an old revision creates; such a change
    comes with a new helper and a new revision.
    """
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("outbox_pending_idx", "outbox", ["id"], postgresql_where=sa.text("published_at IS NULL"))
    op.create_index("outbox_pending_key_idx", "outbox", ["key", "id"], postgresql_where=sa.text("published_at IS NULL"))
    op.create_index(
        "outbox_published_idx", "outbox", ["published_at"], postgresql_where=sa.text("published_at IS NOT NULL")
    )
    op.create_table(
        "inbox",
        sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False, server_default=sa.text("'processed'")),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    )
    op.create_index("inbox_processed_at_idx", "inbox", ["processed_at"])
    op.execute(_NOTIFY_FUNCTION)
    op.execute(_NOTIFY_TRIGGER)


def inbox_per_consumer_group() -> None:
    """Alembic upgrade step: the inbox keyed by (consumer group, event id), version 2.

    Version 1 keyed it by event id alone, so of two consumer groups of one service reading
    the same topic only the first to apply an event did: the other skipped it as handled
    (stats-service's projection and its unit tree both read unit.*; a county's unit.created
    reached one of them). Rows written before keep the group '': an event redelivered to a
    group after the upgrade is applied again, which every handler tolerates (idempotent on state).
    """
    import sqlalchemy as sa
    from alembic import op

    op.add_column("inbox", sa.Column("consumer_group", sa.Text, nullable=False, server_default=sa.text("''")))
    op.alter_column("inbox", "consumer_group", server_default=None)  # every writer names its group
    op.drop_constraint("inbox_pkey", "inbox", type_="primary")
    op.create_primary_key("inbox_pkey", "inbox", ["consumer_group", "event_id"])


def inbox_per_event_id() -> None:
    """Alembic downgrade step of :func:`inbox_per_consumer_group`: one row per event id kept,
    a processed one rather than a dead-lettered one."""
    from alembic import op

    op.execute(
        "DELETE FROM inbox a USING inbox b WHERE a.event_id = b.event_id AND "
        "((a.outcome <> 'processed' AND b.outcome = 'processed') "
        "OR ((a.outcome = 'processed') = (b.outcome = 'processed') AND a.consumer_group > b.consumer_group))"
    )
    op.drop_constraint("inbox_pkey", "inbox", type_="primary")
    op.drop_column("inbox", "consumer_group")
    op.create_primary_key("inbox_pkey", "inbox", ["event_id"])


def drop_event_tables() -> None:
    from alembic import op

    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute("DROP FUNCTION IF EXISTS outbox_notify()")
    op.drop_table("inbox")
    op.drop_table("outbox")
