"""Reliable events: CloudEvents envelope, transactional outbox and its relay,
idempotent consumers with an inbox and dead letters, and deadline scanners.

A service gets them by declaration::

    await add_event(session, CaseClosed(...))            # in the business transaction
    runner = ConsumerRunner(...); runner.on(CaseClosed)(handler)
    relay = OutboxRelay(engine, settings.kafka_bootstrap_servers, service=...)

Guarantees: an event is never lost (outbox + at-least-once relay), never applied
twice (inbox in the handler's transaction), and one aggregate's events keep their
order (Kafka key = aggregate id; the relay publishes one key's events in order).
"""

from enforcement_common.events.consumer import ConsumerRunner, PermanentError, ReceivedEvent
from enforcement_common.events.envelope import Envelope, build_envelope, decode_envelope, encode_envelope
from enforcement_common.events.outbox import add_event, add_events, emitter
from enforcement_common.events.relay import OutboxRelay
from enforcement_common.events.scanner import DeadlineScanner, OverdueScanner

__all__ = [
    "ConsumerRunner",
    "DeadlineScanner",
    "Envelope",
    "OutboxRelay",
    "OverdueScanner",
    "PermanentError",
    "ReceivedEvent",
    "add_event",
    "add_events",
    "build_envelope",
    "decode_envelope",
    "emitter",
    "encode_envelope",
]
