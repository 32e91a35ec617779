"""API models of /admin: rebuild progress and reconciliation with case-service's counts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from stats_service.stats.schemas import AsOf


class RebuildRead(BaseModel):
    """A rebuild's progress: events done, events/s, ETA; when switched, the differences found."""

    id: uuid.UUID
    gen: int
    status: str = Field(description="running, switched or failed")
    events_done: int
    events_per_second: float | None
    records_remaining: int | None
    eta_seconds: float | None
    positions: dict[str, int]
    targets: dict[str, int]
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    #: Per projection table, rows only in the live or only in the rebuilt generation.
    differences: list[dict[str, Any]] | None
    error: str | None


class ReconciliationDifference(BaseModel):
    category: str
    measure: str
    ours: str
    theirs: str


class Reconciliation(BaseModel):
    """Our figures beside case-service's own counts (``GET /cases:counts``) for a unit and period."""

    unit_id: uuid.UUID
    from_: date = Field(alias="from")
    to: date
    source: str
    ours: dict[str, dict[str, str]]
    theirs: dict[str, dict[str, str]]
    differences: list[ReconciliationDifference]
    matches: bool
    as_of: AsOf

    model_config = {"populate_by_name": True}
