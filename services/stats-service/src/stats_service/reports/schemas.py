"""API models of /reports: frozen statistics reports (统计报表) and their submission (STAT-4)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from stats_service.rules import PERIOD_PATTERN


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: uuid.UUID
    period: str = Field(pattern=PERIOD_PATTERN, description="2026, 2026Q1, 2026H1 or 2026-03", examples=["2026"])


class ReportSubmission(BaseModel):
    """报送 to 司法局 (STAT-4); ``submitted_on`` defaults to today."""

    model_config = ConfigDict(extra="forbid")

    submitted_on: date | None = None


class ReportDeadline(BaseModel):
    """STAT-6: the annual report's due date (policy) and whether it was met; a late submission stays visible."""

    kind: str = "annual_report"
    due_on: date
    status: str = Field(description="open, met, met_late or overdue")
    days_late: int | None = None
    basis: list[str] = ["STAT-6"]
    policy_id: uuid.UUID


class ReportRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    period: str
    from_: date = Field(alias="from")
    to: date
    positions: dict[str, int]
    catalogue_version: str
    content_hash: str
    content: dict[str, Any]
    created_at: datetime
    created_by: str | None
    submitted_on: date | None
    submitted_at: datetime | None
    submitted_by: str | None
    submitted_by_name: str | None
    #: STAT-6: the annual report's deadline — null for other periods.
    deadline: ReportDeadline | None
    basis: list[str]
    version: int

    model_config = ConfigDict(populate_by_name=True)


class ReportDifference(BaseModel):
    path: str
    frozen: Any
    rederived: Any


class ReportVerification(BaseModel):
    """The report re-derived from the events up to its positions, compared with what was frozen."""

    report_id: uuid.UUID
    matches: bool
    content_hash: str
    rederived_hash: str
    events_replayed: int
    positions: dict[str, int]
    differences: list[ReportDifference]
