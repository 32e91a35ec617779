"""stats-service as an event source: its name on the wire (``source``) and its outbox write.

``emit(session, *events)`` adds events in the caller's transaction; the entry point commits."""

from enforcement_common.events import emitter

SERVICE = "stats-service"
emit = emitter(SERVICE)
