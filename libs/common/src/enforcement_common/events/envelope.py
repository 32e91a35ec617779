"""The CloudEvents 1.0 structured-JSON envelope of every event (CONTRACT.md, "Events")."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from enforcement_common.contracts import EventData
from enforcement_common.observability import current_causation_id, current_correlation_id


class Envelope(BaseModel):
    """CloudEvents attributes plus the extensions ``unitid``, ``correlationid``, ``causationid``."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    time: datetime
    subject: str = Field(min_length=1)
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    unitid: str | None = None
    correlationid: str | None = None
    causationid: str | None = None
    data: dict[str, Any]


def build_envelope(data: EventData, *, source: str, event_id: uuid.UUID | None = None) -> Envelope:
    """Wrap ``data``; the correlation id and causation come from the current request or event.

    A chain starts with the request's correlation id (or a new one); an event
    caused by handling another carries that event's correlation id and its id as
    ``causationid``.
    """
    return Envelope(
        id=event_id or uuid.uuid4(),
        source=source,
        type=data.type,
        time=datetime.now(UTC),
        subject=data.event_subject(),
        dataschema=data.dataschema(),
        unitid=data.event_unit_id(),
        correlationid=current_correlation_id() or str(uuid.uuid4()),
        causationid=current_causation_id(),
        data=data.to_data(),
    )


def encode_envelope(envelope: Envelope) -> bytes:
    return envelope.model_dump_json(exclude_none=True).encode()


def decode_envelope(value: bytes | None) -> Envelope:
    """Parse a Kafka value; raises ValueError (or pydantic's ValidationError) on anything else."""
    if value is None:
        raise ValueError("record has no value")
    return Envelope.model_validate(json.loads(value))


def kafka_headers(envelope: Envelope) -> list[tuple[str, bytes]]:
    return [("ce_type", envelope.type.encode()), ("ce_id", str(envelope.id).encode())]
