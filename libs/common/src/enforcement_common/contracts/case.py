"""Events produced by case-service (topics enforcement.units/officers/trainings/cases/calendar.v1)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from enforcement_common.contracts._base import EventData, Money

UNITS = "enforcement.units.v1"
OFFICERS = "enforcement.officers.v1"
TRAININGS = "enforcement.trainings.v1"
CASES = "enforcement.cases.v1"
CALENDAR = "enforcement.calendar.v1"

UnitKind = Literal["county", "township", "department", "bureau", "section", "detachment"]
StaffType = Literal["established", "contract", "retired", "former"]  # INT-2
QualificationStatus = Literal["active", "suspended", "revoked", "uncertified"]
CaseCategory = Literal["penalty", "license", "coercion", "inspection", "levy", "requisition"]
# 行政处罚的种类 — 行政处罚法 第九条 (STAT-7); `other` for 法律、行政法规规定的其他行政处罚.
PenaltyKind = Literal[
    "warning",
    "circulated_criticism",
    "fine",
    "confiscation",
    "license_suspension",
    "qualification_downgrade",
    "license_revocation",
    "business_restriction",
    "suspension_of_production",
    "closure",
    "employment_restriction",
    "detention",
    "other",
]
#: 行政处罚法 第五十七条: after the investigation a penalty case is decided one of three ways —
#: a penalty imposed (给予行政处罚), none because the violation is minor and corrected or the law
#: says so (不予行政处罚, 第三十三条), or none because the facts are not established (违法事实不能成立).
#: (The fourth way, 移送司法机关, is a transfer: CASE-6.)
PenaltyOutcome = Literal["imposed", "not_imposed", "not_established"]
CaseStatus = Literal[
    "filed",
    "investigating",
    "reviewing",
    "decided",
    "served",
    "executed",
    "closed",
    "archived",
    "transferred",
    "withdrawn",
]


class _UnitData(EventData):
    topic: ClassVar[str] = UNITS
    subject_field: ClassVar[str] = "unit_id"
    schema_version: Literal[1] = 1
    unit_id: UUID
    code: str
    name: str
    kind: UnitKind
    parent_id: UUID | None
    region_code: str | None = None
    # The case categories the unit is empowered to enforce (STAT-8: 应执法 vs 已执法).
    duties: list[CaseCategory] = Field(default_factory=list)


class UnitCreated(_UnitData):
    """执法单位 created."""

    type: ClassVar[str] = "unit.created"


class UnitUpdated(_UnitData):
    type: ClassVar[str] = "unit.updated"


class _OfficerData(EventData):
    topic: ClassVar[str] = OFFICERS
    subject_field: ClassVar[str] = "officer_id"
    schema_version: Literal[1] = 1
    officer_id: UUID
    unit_id: UUID
    name: str
    staff_type: StaffType
    certificate_no: str | None
    certificate_expires_on: date | None
    qualification_status: QualificationStatus


class OfficerRegistered(_OfficerData):
    """执法人员 registered."""

    type: ClassVar[str] = "officer.registered"


class OfficerUpdated(_OfficerData):
    type: ClassVar[str] = "officer.updated"


class OfficerQualificationChanged(EventData):
    """执法资格 suspended, reinstated or revoked."""

    type: ClassVar[str] = "officer.qualification_changed"
    topic: ClassVar[str] = OFFICERS
    subject_field: ClassVar[str] = "officer_id"
    schema_version: Literal[1] = 1
    officer_id: UUID
    unit_id: UUID
    from_status: QualificationStatus = Field(alias="from")
    to_status: QualificationStatus = Field(alias="to")
    reason: str
    basis: list[str]
    effective_on: date


class TrainingRecorded(EventData):
    """培训 recorded (STAT-5a)."""

    type: ClassVar[str] = "training.recorded"
    topic: ClassVar[str] = TRAININGS
    subject_field: ClassVar[str] = "training_id"
    schema_version: Literal[1] = 1
    training_id: UUID
    kind: Literal["attended", "held"]
    organizer_unit_id: UUID | None
    title: str
    content: str
    start_date: date
    end_date: date
    hours: float
    attendee_ids: list[UUID]


class _CaseData(EventData):
    topic: ClassVar[str] = CASES
    subject_field: ClassVar[str] = "case_id"
    schema_version: Literal[1] = 1
    case_id: UUID
    unit_id: UUID


class CaseFiled(_CaseData):
    """立案."""

    type: ClassVar[str] = "case.filed"
    case_no: str
    category: CaseCategory
    lead_handler_id: UUID
    handler_ids: list[UUID]
    filed_on: date
    is_major: bool


class CaseHandlersChanged(_CaseData):
    """承办人员变更: the case's handlers replaced (e.g. a handler suspended, transferred or
    recused), each of the new ones qualified on ``changed_on`` (CASE-3, CASE-9)."""

    type: ClassVar[str] = "case.handlers_changed"
    case_no: str
    lead_handler_id: UUID
    handler_ids: list[UUID]
    changed_on: date


class CaseUpdated(_CaseData):
    """Descriptive fields of a case changed (e.g. by a provincial platform's import)."""

    type: ClassVar[str] = "case.updated"
    case_no: str
    changed_fields: list[str]


class CaseStageChanged(_CaseData):
    type: ClassVar[str] = "case.stage_changed"
    from_status: CaseStatus = Field(alias="from")
    to_status: CaseStatus = Field(alias="to")


class CaseDecided(_CaseData):
    """作出决定."""

    type: ClassVar[str] = "case.decided"
    case_no: str
    category: CaseCategory
    decided_on: date
    decision_type: str
    # 行政处罚法 第九条 kinds imposed (penalty cases; empty for other categories) — STAT-7.
    penalty_kinds: list[PenaltyKind] = Field(default_factory=list)
    #: A penalty case's outcome (第五十七条); null for other categories. Kinds are named only when imposed.
    penalty_outcome: PenaltyOutcome | None = None
    fine_amount: Money | None
    confiscation_amount: Money | None
    hearing_held: bool


class CaseClosed(_CaseData):
    """结案 — starts the 30-day self-review obligation (REV-5)."""

    type: ClassVar[str] = "case.closed"
    case_no: str
    category: CaseCategory
    lead_handler_id: UUID
    handler_ids: list[UUID]
    filed_on: date
    closed_on: date
    fine_amount: Money | None
    confiscation_amount: Money | None
    hearing_held: bool


class CaseArchived(_CaseData):
    """归档."""

    type: ClassVar[str] = "case.archived"
    archived_on: date


class CaseTransferred(_CaseData):
    """移送 (CASE-6)."""

    type: ClassVar[str] = "case.transferred"
    to: Literal["police", "other_agency"]
    reason: str
    transferred_on: date


class CaseLegalRemedyRecorded(_CaseData):
    """行政复议、诉讼、赔偿 and their results (CASE-8)."""

    type: ClassVar[str] = "case.legal_remedy_recorded"
    remedy_id: UUID
    kind: Literal["reconsideration", "litigation", "compensation"]
    status: Literal["pending", "concluded"]
    result: (
        Literal["upheld", "dismissed", "revoked", "partially_revoked", "changed", "ordered_redo", "compensation_paid"]
        | None
    )
    filed_on: date
    concluded_on: date | None
    lead_handler_id: UUID
    handler_ids: list[UUID]
    category: CaseCategory


class CaseDeadlineOverdue(_CaseData):
    """A statutory deadline passed without being met (CASE-9)."""

    type: ClassVar[str] = "case.deadline_overdue"
    kind: str
    due_on: date
    basis: list[str]


class CaseDeadlineExtended(_CaseData):
    """A deadline extended with approval (延长办案期限, 行政处罚法 第六十条; CASE-9): the new last
    day in force, the one before and the statutory original."""

    type: ClassVar[str] = "case.deadline_extended"
    extension_id: UUID
    kind: str
    previous_due_on: date
    due_on: date
    original_due_on: date
    approved_by: UUID
    approved_on: date
    basis: list[str]


class CalendarYearPublished(EventData):
    """A year's holiday schedule (节假日安排) as published by the State Council, entered on the
    platform; every service counts working days of that year by it (CONTRACT.md "calendar")."""

    type: ClassVar[str] = "calendar.year_published"
    topic: ClassVar[str] = CALENDAR
    subject_field: ClassVar[str] = "year"
    schema_version: Literal[1] = 1
    year: int = Field(ge=1900, le=2200)
    holidays: list[date]
    adjusted_working_days: list[date]
    source: str
