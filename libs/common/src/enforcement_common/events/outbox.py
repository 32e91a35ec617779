"""Adding events to the transactional outbox, in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import bindparam, insert, text
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
    await session.execute(_ADD_ONE, {**_row(data, envelope), "namespace": WRITER_LOCK_NAMESPACE})
    return envelope


async def add_events(
    session: AsyncSession | AsyncConnection, events: Sequence[EventData], *, source: str
) -> list[Envelope]:
    """Write several events, in order, in two statements whatever their number: the writer
    locks of all their keys, then one multi-row INSERT whose ids follow the list's order.
    The locks are taken in the order of their lock keys (the hashes), so two writers never
    wait on each other crosswise."""
    if len(events) <= 1:
        return [await add_event(session, data, source=source) for data in events]
    envelopes = [build_envelope(data, source=source) for data in events]
    await session.execute(
        text(
            "SELECT pg_advisory_xact_lock(:namespace, lock_key) FROM "
            "(SELECT DISTINCT hashtext(key) AS lock_key FROM unnest(CAST(:keys AS text[])) AS key "
            "ORDER BY lock_key) AS ordered"
        ),
        {"namespace": WRITER_LOCK_NAMESPACE, "keys": [envelope.subject for envelope in envelopes]},
    )
    await session.execute(
        insert(outbox), [_row(data, envelope) for data, envelope in zip(events, envelopes, strict=True)]
    )
    return envelopes


#: One event into the outbox (a prepared statement, compiled once). Writers of one aggregate
#: take turns until commit, so per key, outbox id order is commit order and the relay publishes
#: in the order the changes happened. The lock is taken in a materialized CTE of the INSERT
#: itself (one round trip): the row, and its id from the identity sequence, is produced only
#: once the CTE has run, i.e. once the lock is held.
_ADD_ONE = text(
    """
    WITH writer_turn AS MATERIALIZED (SELECT pg_advisory_xact_lock(:namespace, hashtext(:key)) AS held)
    INSERT INTO outbox (event_id, topic, key, event_type, payload)
    SELECT :event_id, :topic, :key, :event_type, :payload FROM writer_turn
    """
).bindparams(
    bindparam("event_id", type_=outbox.c.event_id.type),
    bindparam("key", type_=outbox.c.key.type),
    bindparam("payload", type_=outbox.c.payload.type),
)


def _row(data: EventData, envelope: Envelope) -> dict[str, Any]:
    return {
        "event_id": envelope.id,
        "topic": data.topic,
        "key": envelope.subject,
        "event_type": envelope.type,
        "payload": envelope.model_dump(mode="json", exclude_none=True),
    }


def emitter(source: str) -> Callable[..., Awaitable[None]]:
    """A service's ``emit(session, *events)``: :func:`add_events` with the service as ``source``,
    in the caller's transaction (the entry point commits)."""

    async def emit(session: AsyncSession | AsyncConnection, *events: EventData) -> None:
        await add_events(session, events, source=source)

    return emit
