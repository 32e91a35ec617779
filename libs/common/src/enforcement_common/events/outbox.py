"""Adding events to the transactional outbox, in the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import Text, func, insert, literal, select
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from enforcement_common.contracts import EventData
from enforcement_common.events.envelope import Envelope, build_envelope
from enforcement_common.events.tables import outbox

#: First key of the per-aggregate writer lock (the relay uses another namespace).
WRITER_LOCK_NAMESPACE = 730_003


async def add_event(
    session: AsyncSession | AsyncConnection,
    data: EventData,
    *,
    source: str,
    event_id: uuid.UUID | None = None,
) -> Envelope:
    """Write ``data`` to the outbox in the session's current transaction and return its envelope.

    The event is published only if, and after, that transaction commits; the relay
    sends it with the aggregate id as Kafka key.
    """
    envelope = build_envelope(data, source=source, event_id=event_id)
    # Writers of one aggregate take turns until commit, so per key, outbox id order is commit
    # order and the relay publishes in the order the changes happened. The lock is taken in a
    # materialized CTE of the INSERT itself (one round trip): the row, and its id from the
    # identity sequence, is produced only once the CTE has run, i.e. once the lock is held.
    turn = (
        select(func.pg_advisory_xact_lock(WRITER_LOCK_NAMESPACE, func.hashtext(envelope.subject)).label("held"))
        .cte("writer_turn")
        .prefix_with("MATERIALIZED")
    )
    row = select(
        literal(envelope.id, UUID(as_uuid=True)),
        literal(data.topic, Text),
        literal(envelope.subject, Text),
        literal(envelope.type, Text),
        literal(envelope.model_dump(mode="json", exclude_none=True), JSONB),
    ).select_from(turn)
    await session.execute(insert(outbox).from_select(["event_id", "topic", "key", "event_type", "payload"], row))
    return envelope
