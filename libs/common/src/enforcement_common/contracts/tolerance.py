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
    #: The recommendation on the claimed grounds (TOL-10 … TOL-13) and the policy version in
    #: force for the unit on incident_on that made it.
    recommended_outcome: Literal["due_diligence", "exempted", "mitigated", "rejected", "not_applicable"] | None = None
    policy_id: UUID | None = None


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
    #: The policy version in force for the unit on the incident date (000 第十条（十）).
    policy_id: UUID | None = None
    #: The officers granted tolerance are not counted as an enforcement error (TOL-15).
    not_an_enforcement_error: bool | None = None


class ToleranceNotificationOverdue(_ApplicationData):
    """The 7-day notification duty passed (TOL-14)."""

    type: ClassVar[str] = "tolerance.notification_overdue"
    notify_due_on: date
    basis: list[str]
    policy_id: UUID | None = None


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
    officer_ids: list[UUID] | None = None
    policy_id: UUID | None = None


class ToleranceCorrectionExtended(_CorrectionData):
    type: ClassVar[str] = "tolerance.correction_extended"
    previous_due_on: date
    due_on: date
    #: The due date first set, kept through every extension (TOL-17).
    original_due_on: date | None = None
    request_id: UUID | None = None


class ToleranceCorrectionCompleted(_CorrectionData):
    type: ClassVar[str] = "tolerance.correction_completed"
    completed_on: date
    due_on: date | None = None
    #: Completed after due_on: the breach stays visible after the cure.
    late: bool | None = None


class ToleranceCorrectionOverdue(_CorrectionData):
    type: ClassVar[str] = "tolerance.correction_overdue"
    due_on: date
    basis: list[str] | None = None


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
    threshold: int | None = None
    policy_id: UUID | None = None


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
    scope: str | None = None
    channel: str | None = None


class TolerancePetitionFeedbackOverdue(EventData):
    """A real-name reporter's feedback not given within the policy's period (TOL-19).
    Neither the reporter nor the officers concerned are named."""

    type: ClassVar[str] = "tolerance.petition_feedback_overdue"
    topic: ClassVar[str] = TOLERANCE
    subject_field: ClassVar[str] = "petition_id"
    schema_version: Literal[1] = 1
    petition_id: UUID
    unit_id: UUID
    feedback_due_on: date
    basis: list[str]
    policy_id: UUID | None = None
