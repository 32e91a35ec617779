"""Events produced by tolerance-service (topic enforcement.tolerance.v1) — 尽职免责、容错纠错."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from enforcement_common.contracts._base import EventData

TOLERANCE = "enforcement.tolerance.v1"


class _ApplicationData(EventData):
    topic: ClassVar[str] = TOLERANCE
    subject_field: ClassVar[str] = "application_id"
    schema_version: Literal[1] = 1
    application_id: UUID
    unit_id: UUID


class ToleranceApplied(_ApplicationData):
    type: ClassVar[str] = "tolerance.applied"
    officer_ids: list[UUID]
    case_id: UUID | None
    incident_on: date
    initiated_by: Literal["self", "unit"]


class ToleranceDecided(_ApplicationData):
    """Decision of the party committee (党组/党委)."""

    type: ClassVar[str] = "tolerance.decided"
    officer_ids: list[UUID]
    case_id: UUID | None
    outcome: Literal["due_diligence", "exempted", "mitigated", "rejected"]
    mitigation_kind: Literal["lighter", "reduced"] | None
    decided_on: date
    notify_due_on: date
    basis: list[str]


class ToleranceNotificationOverdue(_ApplicationData):
    """The 7-day notification duty passed (TOL-14)."""

    type: ClassVar[str] = "tolerance.notification_overdue"
    notify_due_on: date
    basis: list[str]


class _CorrectionData(EventData):
    topic: ClassVar[str] = TOLERANCE
    subject_field: ClassVar[str] = "correction_id"
    schema_version: Literal[1] = 1
    correction_id: UUID
    application_id: UUID
    unit_id: UUID


class ToleranceCorrectionStarted(_CorrectionData):
    """纠错 ordered (TOL-16)."""

    type: ClassVar[str] = "tolerance.correction_started"
    due_on: date


class ToleranceCorrectionExtended(_CorrectionData):
    type: ClassVar[str] = "tolerance.correction_extended"
    previous_due_on: date
    due_on: date


class ToleranceCorrectionCompleted(_CorrectionData):
    type: ClassVar[str] = "tolerance.correction_completed"
    completed_on: date


class ToleranceCorrectionOverdue(_CorrectionData):
    type: ClassVar[str] = "tolerance.correction_overdue"
    due_on: date


class ToleranceRiskAlert(EventData):
    """Frequent or concentrated grounds (TOL-18)."""

    type: ClassVar[str] = "tolerance.risk_alert"
    topic: ClassVar[str] = TOLERANCE
    subject_field: ClassVar[str] = "alert_id"
    schema_version: Literal[1] = 1
    alert_id: UUID
    unit_id: UUID
    dimension: Literal["unit", "category", "field", "ground"]
    value: str
    count: int
    window_from: date
    window_to: date
    basis: list[str]


class ToleranceClarificationIssued(EventData):
    """澄清正名 (TOL-19). No reporter identity, ever."""

    type: ClassVar[str] = "tolerance.clarification_issued"
    topic: ClassVar[str] = TOLERANCE
    subject_field: ClassVar[str] = "petition_id"
    schema_version: Literal[1] = 1
    petition_id: UUID
    unit_id: UUID
    officer_ids: list[UUID]
    issued_on: date
