"""Events produced by accountability-service (topic enforcement.accountability.v1) — 错案问责、干预插手."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from enforcement_common.contracts._base import EventData

ACCOUNTABILITY = "enforcement.accountability.v1"

ErrorSource = Literal[
    "supervision", "superior_review", "reconsideration", "litigation", "compensation", "superior_finding", "complaint"
]
Sanction = Literal[
    "written_self_criticism",
    "circulated_criticism",
    "disqualify_awards_promotion",
    "suspend_enforcement",
    "remove_from_post",
    "administrative_sanction",
]


class _ErrorCaseData(EventData):
    topic: ClassVar[str] = ACCOUNTABILITY
    subject_field: ClassVar[str] = "error_case_id"
    schema_version: Literal[1] = 1
    error_case_id: UUID
    unit_id: UUID


class ErrorCaseOpened(_ErrorCaseData):
    """错案 accepted from one of the sources of ERR-5."""

    type: ClassVar[str] = "accountability.error_case_opened"
    case_id: UUID | None
    source: ErrorSource
    #: The day the error case was received (受理): the period it counts in (STAT-7). Optional:
    #: events of before carry none (a consumer then takes the day the event was published).
    received_on: date | None = None


class Respondent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    officer_id: UUID
    handling: str
    sanctions: list[Sanction]
    tolerated: bool


class ErrorCaseDecided(_ErrorCaseData):
    type: ClassVar[str] = "accountability.error_case_decided"
    case_id: UUID | None
    is_error_case: bool
    decided_on: date
    respondents: list[Respondent]


class SanctionImposed(EventData):
    """A sanction of ERR-11 on one officer; case-service acts on suspend/remove."""

    type: ClassVar[str] = "accountability.sanction_imposed"
    topic: ClassVar[str] = ACCOUNTABILITY
    subject_field: ClassVar[str] = "officer_id"
    schema_version: Literal[1] = 1
    error_case_id: UUID
    officer_id: UUID
    unit_id: UUID
    sanctions: list[Sanction]
    effective_on: date


class SanctionWithdrawn(EventData):
    """Sanctions of ERR-11 withdrawn from one officer: a tolerance decision granted later (TOL-15)
    or an appeal that changed or revoked the handling (ERR-12); case-service may restore the
    qualification the sanction had removed."""

    type: ClassVar[str] = "accountability.sanction_withdrawn"
    topic: ClassVar[str] = ACCOUNTABILITY
    subject_field: ClassVar[str] = "officer_id"
    schema_version: Literal[1] = 1
    error_case_id: UUID
    officer_id: UUID
    unit_id: UUID
    sanctions: list[Sanction]
    reason: str
    basis: list[str]
    effective_on: date


class InterferenceRecorded(EventData):
    """干预插手 recorded. Never carries the intervener's or the recorder's identity (INT-9)."""

    type: ClassVar[str] = "accountability.interference_recorded"
    topic: ClassVar[str] = ACCOUNTABILITY
    subject_field: ClassVar[str] = "record_id"
    schema_version: Literal[1] = 1
    record_id: UUID
    case_id: UUID | None
    unit_id: UUID
    occurred_at: datetime
    method: Literal["oral", "phone", "written", "in_person", "other"]
    category: str


class NonrecordingFound(EventData):
    """Failure to record interference found (INT-12)."""

    type: ClassVar[str] = "accountability.nonrecording_found"
    topic: ClassVar[str] = ACCOUNTABILITY
    subject_field: ClassVar[str] = "finding_id"
    schema_version: Literal[1] = 1
    finding_id: UUID
    unit_id: UUID
    officer_id: UUID
    consequence: Literal["warning", "circulated_criticism", "discipline_referral"]
    basis: list[str]
    found_on: date


class AccountabilityDeadlineOverdue(_ErrorCaseData):
    """A deadline of ERR-10 passed."""

    type: ClassVar[str] = "accountability.deadline_overdue"
    kind: str
    due_on: date
    basis: list[str]


class InterferenceReportOverdue(EventData):
    """A unit's quarterly interference report (records or an explicit zero report) is missing
    after its due date (INT-3 reporting; the period per policy)."""

    type: ClassVar[str] = "accountability.interference_report_overdue"
    topic: ClassVar[str] = ACCOUNTABILITY
    subject_field: ClassVar[str] = "report_id"
    schema_version: Literal[1] = 1
    report_id: UUID
    unit_id: UUID
    period: str
    due_on: date
    basis: list[str]
