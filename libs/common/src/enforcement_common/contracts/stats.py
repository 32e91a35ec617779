"""Events produced by stats-service (topic enforcement.stats.v1) — 行政执法统计."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from enforcement_common.contracts._base import EventData

STATS = "enforcement.stats.v1"


class StatsReportSubmitted(EventData):
    """A frozen statistics report submitted to 司法局 (STAT-4); ``content_hash`` names its figures."""

    type: ClassVar[str] = "stats.report_submitted"
    topic: ClassVar[str] = STATS
    subject_field: ClassVar[str] = "report_id"
    schema_version: Literal[1] = 1

    report_id: UUID
    unit_id: UUID
    period: str
    content_hash: str
    submitted_on: date


class StatsReportOverdue(EventData):
    """The annual report of a period was not submitted by its due date (STAT-6, 31 January by policy)."""

    type: ClassVar[str] = "stats.report_overdue"
    topic: ClassVar[str] = STATS
    subject_field: ClassVar[str] = "unit_id"
    schema_version: Literal[1] = 1

    unit_id: UUID
    period: str
    due_on: date
    basis: list[str]
