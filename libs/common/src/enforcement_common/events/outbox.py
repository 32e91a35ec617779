"""Adding events to the transactional outbox, in the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import insert, text
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
    # order and the relay publishes in the order the changes happened.
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:key))"),
        {"namespace": WRITER_LOCK_NAMESPACE, "key": envelope.subject},
    )
    await session.execute(
        insert(outbox).values(
            event_id=envelope.id,
            topic=data.topic,
            key=envelope.subject,
            event_type=envelope.type,
            payload=envelope.model_dump(mode="json", exclude_none=True),
        )
    )
    return envelope
