"""Handing events to a service's consumers in tests, through the real inbox or around it.

:func:`deliver` does what the ``ConsumerRunner`` does with a Kafka record: the envelope is
encoded to bytes and decoded again (the handler sees what the wire carries), then the
inbox row and the handler's effect commit in one transaction (``ConsumerRunner._apply``,
the runner's own code). Where the record sits in Kafka is explicit:

* a **redelivery** (``replay=False``, the default) comes at the *same* position as the
  first delivery — the consumer restarted before committing its offset;
* a **replay** (``replay=True``) comes at a *new* position each time — the producer
  published the event again, or ``enforcement-dlq replay`` did.

Either way the inbox recognises the event id (per consumer group) and the handler does not run again, which
is why :func:`apply_without_inbox` exists: it runs the handler once more *without* the
inbox, in a transaction of its own, so that a test proves the handler's idempotency
on state (CONTRIBUTING: "handlers must be idempotent on state too").

The handlers are those a service registers on its runner: the kit's app
(:class:`enforcement_common.testing.kit.ServiceTestKit`) knows how to register them;
every service also gets the unit tree's (``unit.created``/``unit.updated``), as the app
factory registers it.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka.structs import ConsumerRecord
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.auth.scope import register_unit_tree
from enforcement_common.contracts import EventData
from enforcement_common.events import ConsumerRunner, Envelope, ReceivedEvent, build_envelope
from enforcement_common.events.consumer import known_fields
from enforcement_common.events.envelope import decode_envelope, encode_envelope, kafka_headers
from enforcement_common.topics import EVENT_TOPICS

Handler = Callable[[AsyncSession, ReceivedEvent[Any]], Awaitable[None]]
#: Registers a service's handlers on a runner, given the app (for its settings).
RegisterConsumers = Callable[[ConsumerRunner, FastAPI], None]

_OWNERS = {topic.name: topic.owner for topic in EVENT_TOPICS}


class _Deliveries:
    """Per app: the runner with the registered handlers, the envelope of each event object
    (the same object is the same event, same id) and the Kafka position of each event."""

    def __init__(self, app: FastAPI) -> None:
        service = app.state.settings.service_name

        def runner(group: str) -> ConsumerRunner:
            return ConsumerRunner(
                service=service,
                group_id=group,
                bootstrap_servers="unused:0",
                sessions=app.state.sessions,
                topics=[],
            )

        # As the app runs them: the platform's read models in a consumer group of their own,
        # the service's handlers in another — an event both handle is applied by each, each
        # with its own inbox row (one group's row never makes the other skip it).
        platform = runner(f"{service}.platform")
        register_unit_tree(platform)
        self.runners = [platform]
        register = getattr(app.state, "testkit_consumers", None)
        if register is not None:
            consumers = runner(service)
            register(consumers, app)
            self.runners.append(consumers)
        self.envelopes: dict[int, tuple[EventData, Envelope]] = {}
        self.positions: dict[uuid.UUID, tuple[str, int, int]] = {}
        self.offsets = itertools.count(1)

    def envelope(self, event: EventData | Envelope, source: str | None) -> Envelope:
        if isinstance(event, Envelope):
            return event
        if id(event) not in self.envelopes:  # the object is kept: its id() cannot be reused meanwhile
            producer = source or _OWNERS.get(event.topic, "test-producer")
            self.envelopes[id(event)] = (event, build_envelope(event, source=producer))
        return self.envelopes[id(event)][1]

    def record(self, envelope: Envelope, *, topic: str, new_position: bool) -> ConsumerRecord:
        first = envelope.id not in self.positions
        if first:  # the event's original position: where every redelivery comes again
            self.positions[envelope.id] = (topic, 0, next(self.offsets))
        topic, partition, offset = self.positions[envelope.id]
        if new_position and not first:  # a replay: the same event published again, further on
            offset = next(self.offsets)
        value = encode_envelope(envelope)
        key = envelope.subject.encode()
        return ConsumerRecord(
            topic=topic,
            partition=partition,
            offset=offset,
            timestamp=0,
            timestamp_type=0,
            key=key,
            value=value,
            checksum=None,
            serialized_key_size=len(key),
            serialized_value_size=len(value),
            headers=tuple(kafka_headers(envelope)),
        )

    def received(self, record: ConsumerRecord) -> list[tuple[ConsumerRunner, ReceivedEvent[Any], Handler]]:
        """The event as each runner with a handler for its type receives it."""
        envelope = decode_envelope(record.value)  # what the wire carries, not the test's object
        matches = [runner for runner in self.runners if envelope.type in runner.handlers]
        if not matches:
            registered = sorted({t for runner in self.runners for t in runner.handlers})
            raise LookupError(
                f"no handler for {envelope.type} is registered (registered: {', '.join(registered) or 'none'})"
            )
        received = []
        for runner in matches:
            model, handler = runner.handlers[envelope.type]
            data = model.model_validate(known_fields(model, envelope.data))
            received.append((runner, ReceivedEvent(envelope=envelope, data=data, record=record), handler))
        return received


def _deliveries(app: FastAPI) -> _Deliveries:
    state = getattr(app.state, "testkit_deliveries", None)
    if state is None:
        state = _Deliveries(app)
        app.state.testkit_deliveries = state
    return state


def _topic_of(envelope: Envelope, event: EventData | Envelope) -> str:
    if isinstance(event, EventData):
        return event.topic
    from enforcement_common.contracts import event_model_for

    model = event_model_for(envelope.type)
    return model.topic if model else "test.events"


async def deliver(
    app: FastAPI, event: EventData | Envelope, *, times: int = 1, replay: bool = False, source: str | None = None
) -> list[bool]:
    """Deliver ``event`` to ``app``'s handlers ``times`` times through the real inbox path, in
    each consumer group that handles its type (the platform's read models and the service's
    consumers, as the app runs them); one bool per delivery: True when every group's handler
    ran, False when any group's inbox skipped it (a group wrongly skipping shows).

    The same event *object* is the same event (one envelope, one id) in every call on this
    app; its first delivery is at its original Kafka position. ``replay=False``: every later
    delivery at that same position (a redelivery); ``replay=True``: each later delivery at a
    new position (a replay). ``source``
    overrides the envelope's producer (default: the owner of the event's topic)."""
    state = _deliveries(app)
    envelope = state.envelope(event, source)
    topic = _topic_of(envelope, event)
    results = []
    for _ in range(times):
        applied = [
            await runner._apply(received, handler)
            for runner, received, handler in state.received(state.record(envelope, topic=topic, new_position=replay))
        ]
        results.append(all(applied))
    return results


async def apply_without_inbox(
    app: FastAPI, event: EventData | Envelope, *, handler: Handler | None = None, source: str | None = None
) -> None:
    """Run the handlers of ``event`` (or ``handler``) once more, each in a transaction of its
    own, *without* the inbox — as if the inbox had lost its rows. The event keeps its id (the
    same envelope as :func:`deliver` used) at a new position. A handler idempotent on state
    changes nothing; one that is not shows up in a before/after :func:`snapshot`."""
    state = _deliveries(app)
    envelope = state.envelope(event, source)
    matches = state.received(state.record(envelope, topic=_topic_of(envelope, event), new_position=True))
    runs = [(matches[0][1], handler)] if handler is not None else [(received, h) for _, received, h in matches]
    for received, run in runs:
        async with app.state.sessions() as session, session.begin():
            await run(session, received)


async def snapshot(app: FastAPI, *tables: str) -> dict[str, list[tuple]]:
    """Every row of ``tables`` (ordered by all columns), to compare state before and after."""
    state: dict[str, list[tuple]] = {}
    async with app.state.sessions() as session:
        for table in tables:
            columns = (
                await session.execute(
                    text(
                        "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema()"
                        " AND table_name = :t"
                    ),
                    {"t": table},
                )
            ).scalar_one()
            if not columns:
                raise LookupError(f"no table {table}")
            order = ", ".join(str(i) for i in range(1, columns + 1))
            rows = await session.execute(text(f'SELECT * FROM "{table}" ORDER BY {order}'))
            state[table] = [tuple(row) for row in rows]
    return state


async def assert_handler_idempotent_on_state(
    app: FastAPI, event: EventData | Envelope, *tables: str, source: str | None = None
) -> None:
    """Deliver ``event`` once (it must apply), then apply its handler again without the inbox:
    ``tables`` (default: every table of the service except ``inbox``) must not change."""
    assert (await deliver(app, event, source=source)) == [True], "the first delivery must apply the event"
    names = tables or await service_tables(app)
    before = await snapshot(app, *names)
    await apply_without_inbox(app, event, source=source)
    after = await snapshot(app, *names)
    changed = [name for name in names if before[name] != after[name]]
    event_type = event.type
    assert not changed, f"{event_type} applied a second time (without the inbox) changed {', '.join(changed)}"


async def service_tables(app: FastAPI) -> tuple[str, ...]:
    async with app.state.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                " AND table_type = 'BASE TABLE' AND table_name NOT IN ('inbox', 'alembic_version')"
                " ORDER BY table_name"
            )
        )
        return tuple(rows.scalars())
