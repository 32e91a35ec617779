"""ORM models of review-service's database: what this service owns — obligations, reviews,
notices, annual assessments, summaries, inspections, exemplary files — and, mapped onto the
shared directory's tables, the cases and officers case-service's events make known."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Text, UniqueConstraint, Uuid, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from enforcement_common import directory
from enforcement_common.api.concurrency import Versioned


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class CaseView(Base):
    """A case, from the shared directory (``enforcement_common.directory``: case-service's events)."""

    __table__ = directory.case_views


class OfficerView(Base):
    """An officer, from the shared directory (``enforcement_common.directory``: officer.* events)."""

    __table__ = directory.officer_views


class Obligation(Versioned, Base):
    """Self-review obligation (自查义务) created by case.closed (REV-5)."""

    __tablename__ = "obligations"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    lead_handler_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    closed_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    #: pending | submitted | reviewed | excluded (overdue is pending past due_on)
    status: Mapped[str] = mapped_column(Text, default="pending")
    submitted_on: Mapped[date | None] = mapped_column(Date)
    #: REV-5: days the transfer came after due_on; the breach stays visible after review.
    days_late: Mapped[int | None] = mapped_column(Integer)
    excluded_by_remedy_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    exclusion_reason: Mapped[str | None] = mapped_column(Text)
    overdue_emitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())
    #: The policy version whose values made the determination (CONTRACT.md "policies").
    policy_id: Mapped[uuid.UUID | None] = mapped_column()


class Review(Versioned, Base):
    """A review (评查) of a case file: self, hierarchical, cross or spot."""

    __tablename__ = "reviews"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(Text)
    reviewer_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    basic: Mapped[dict] = mapped_column(JSONB)
    general: Mapped[dict] = mapped_column(JSONB)
    problems: Mapped[list] = mapped_column(JSONB)
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(Text)
    #: awaiting_signatures | completed | voided (REV-12)
    status: Mapped[str] = mapped_column(Text, default="awaiting_signatures")
    signatures: Mapped[dict] = mapped_column(JSONB, default=dict)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())
    #: The policy version whose values made the determination (CONTRACT.md "policies").
    policy_id: Mapped[uuid.UUID | None] = mapped_column()
    #: REV-12: {on, reason, remedy_id, remedy_filed_on, basis, policy_id} when voided.
    voided: Mapped[dict | None] = mapped_column(JSONB)


class Notification(Base):
    """Written notice of a review's result to the lead handler (REV-7)."""

    __tablename__ = "notifications"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    review_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reviews.id"))
    officer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    grade: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(Integer)
    problems: Mapped[list] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())


class AnnualAssessment(Base):
    """Per lead handler and calendar year (REV-8)."""

    __tablename__ = "annual_assessments"
    officer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    lead_case_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    #: Files (cases) whose self-review was unqualified — a file counts once, whatever the reviews.
    unqualified_case_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    consequence: Mapped[str] = mapped_column(Text, default="none")
    #: Levels already announced with review.officer_sanctioned (once each).
    sanctioned_levels: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    #: Levels withdrawn (review.officer_sanction_withdrawn) when no longer reached, in order.
    withdrawn_levels: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    #: The policy version whose values made the determination (CONTRACT.md "policies").
    policy_id: Mapped[uuid.UUID | None] = mapped_column()


class Summary(Base):
    """Half-year self-review summary of a unit (REV-9), reported in writing to 司法局."""

    __tablename__ = "summaries"
    __table_args__ = (UniqueConstraint("unit_id", "period"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    period: Mapped[str] = mapped_column(Text)  # 2026H1
    due_on: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict | None] = mapped_column(JSONB)
    generated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_on: Mapped[date | None] = mapped_column(Date)
    overdue_emitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The policy version whose values made the determination (CONTRACT.md "policies").
    policy_id: Mapped[uuid.UUID | None] = mapped_column()


class Inspection(Base):
    """Hierarchical inspection (REV-10) with its reproducible random draw (REV-11)."""

    __tablename__ = "inspections"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    year: Mapped[int] = mapped_column(Integer)
    per_category: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(Text)
    ledger: Mapped[dict] = mapped_column(JSONB)  # category → sorted candidate case ids
    drawn: Mapped[dict] = mapped_column(JSONB)  # category → drawn case ids
    drawn_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())


class InspectionFinding(Base):
    """REV-11 (second sentence): per drawn file, the file's grade and its self-review's quality."""

    __tablename__ = "inspection_findings"
    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    file_grade: Mapped[str] = mapped_column(Text)
    file_score: Mapped[int | None] = mapped_column(Integer)
    #: good | deficient | not_done (案卷质量 and 自查质量, REV-11)
    self_review_quality: Mapped[str] = mapped_column(Text)
    self_review_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    self_review_grade: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[list] = mapped_column(JSONB)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())


class ExemplaryFile(Base):
    """优秀案卷 selected for learning exchange (REV-16)."""

    __tablename__ = "exemplary_files"
    review_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    selected_by: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    selected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())


class ExcludingRemedy(Base):
    """A reconsideration or litigation seen for a case, kept even before the case closes (REV-12)."""

    __tablename__ = "excluding_remedies"
    case_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    remedy_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(Text)
    #: REV-12: the earliest filing date seen (the remedy is judged by when it was filed).
    filed_on: Mapped[date | None] = mapped_column(Date)
