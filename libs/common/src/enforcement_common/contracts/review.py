"""Events produced by review-service (topic enforcement.reviews.v1) — 案卷评查."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from enforcement_common.contracts._base import EventData

REVIEWS = "enforcement.reviews.v1"

ReviewKind = Literal["self", "hierarchical", "cross", "spot"]
Grade = Literal["excellent", "qualified", "unqualified"]


class _ObligationData(EventData):
    topic: ClassVar[str] = REVIEWS
    subject_field: ClassVar[str] = "obligation_id"
    schema_version: Literal[1] = 1
    obligation_id: UUID
    case_id: UUID
    unit_id: UUID
    lead_handler_id: UUID
    basis: list[str]


class ReviewObligationCreated(_ObligationData):
    """Self-review obligation due closed_on + 30 days (REV-5)."""

    type: ClassVar[str] = "review.obligation_created"
    closed_on: date
    due_on: date


class ReviewObligationOverdue(_ObligationData):
    type: ClassVar[str] = "review.obligation_overdue"
    due_on: date


class ReviewObligationExcluded(_ObligationData):
    """Excluded by reconsideration or litigation (REV-12)."""

    type: ClassVar[str] = "review.obligation_excluded"
    remedy_id: UUID
    reason: str


class _ReviewResult(EventData):
    topic: ClassVar[str] = REVIEWS
    subject_field: ClassVar[str] = "review_id"
    schema_version: Literal[1] = 1
    review_id: UUID
    case_id: UUID
    unit_id: UUID
    kind: ReviewKind
    grade: Grade
    score: int
    lead_handler_id: UUID
    handler_ids: list[UUID]


class ReviewCompleted(_ReviewResult):
    """Both signatures given (REV-7)."""

    type: ClassVar[str] = "review.completed"


class ReviewFailed(_ReviewResult):
    """Completed with grade unqualified (REV-15)."""

    type: ClassVar[str] = "review.failed"


class _OfficerLevelData(EventData):
    """A REV-8 level of a lead handler's year (the level and the counts it rests on)."""

    topic: ClassVar[str] = REVIEWS
    subject_field: ClassVar[str] = "officer_id"
    schema_version: Literal[1] = 1
    officer_id: UUID
    unit_id: UUID
    year: int
    level: Literal["criticism", "no_commendation", "suspension", "manual_review"]
    unqualified_count: int
    lead_cases: int
    basis: list[str]


class ReviewOfficerSanctioned(_OfficerLevelData):
    """Annual consequence level reached by a lead handler (REV-8)."""

    type: ClassVar[str] = "review.officer_sanctioned"


class ReviewOfficerSanctionWithdrawn(_OfficerLevelData):
    """A REV-8 level announced with review.officer_sanctioned is no longer reached — e.g. an
    unqualified file voided because a reconsideration or litigation was filed before its
    self-review completed (REV-12). case-service lifts a suspension that no longer stands."""

    type: ClassVar[str] = "review.officer_sanction_withdrawn"
    reason: str
    policy_id: UUID | None = None


class ReviewVoided(EventData):
    """A completed review voided: its file is under reconsideration or litigation filed before
    the review completed, so it is not reviewed (REV-12)."""

    type: ClassVar[str] = "review.voided"
    topic: ClassVar[str] = REVIEWS
    subject_field: ClassVar[str] = "review_id"
    schema_version: Literal[1] = 1
    review_id: UUID
    case_id: UUID
    unit_id: UUID
    kind: ReviewKind
    grade: Grade
    lead_handler_id: UUID
    reason: str
    remedy_id: UUID
    remedy_filed_on: date
    basis: list[str]
    policy_id: UUID | None = None


class ReviewInspectionDrawn(EventData):
    """Hierarchical inspection drawn at random (REV-10, REV-11)."""

    type: ClassVar[str] = "review.inspection_drawn"
    topic: ClassVar[str] = REVIEWS
    subject_field: ClassVar[str] = "inspection_id"
    schema_version: Literal[1] = 1
    inspection_id: UUID
    unit_id: UUID
    year: int
    seed: str
    drawn_case_ids: list[UUID]
    basis: list[str]


class _SummaryData(EventData):
    topic: ClassVar[str] = REVIEWS
    subject_field: ClassVar[str] = "summary_id"
    schema_version: Literal[1] = 1
    summary_id: UUID
    unit_id: UUID
    period: str
    basis: list[str]


class ReviewSummarySubmitted(_SummaryData):
    """Half-year summary submitted to 司法局 (REV-9)."""

    type: ClassVar[str] = "review.summary_submitted"
    submitted_on: date


class ReviewSummaryOverdue(_SummaryData):
    type: ClassVar[str] = "review.summary_overdue"
    due_on: date
