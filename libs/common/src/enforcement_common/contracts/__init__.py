"""Event contracts: one Pydantic model per event type, grouped by producing service.

The producer owns its module (``case``, ``review``, ``tolerance``,
``accountability``, ``stats``); consumers import it. Each model names its wire ``type``
(``case.closed``), its ``topic``, the field holding the aggregate id (the Kafka key
and the CloudEvents ``subject``) and carries ``schema_version`` in its data. JSON
Schemas and the AsyncAPI document are generated from these models
(``make schemas``); a test fails when the committed files are stale.
"""

from __future__ import annotations

from enforcement_common.contracts import accountability, case, review, stats, tolerance  # noqa: F401  (registration)
from enforcement_common.contracts._base import (
    EARLIEST_DATE,
    BoundedDate,
    EventData,
    Money,
    MoneyAmount,
    PastDate,
    event_model_for,
    registered_event_types,
)

__all__ = [
    "EARLIEST_DATE",
    "BoundedDate",
    "EventData",
    "Money",
    "MoneyAmount",
    "PastDate",
    "event_model_for",
    "registered_event_types",
]
