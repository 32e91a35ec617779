"""ORM models of tolerance-service's database: what this service owns — applications and
decisions (尽职免责/容错免责), corrections (纠错) and their extensions, risk warnings,
petitions (信访举报) and clarifications (澄清正名) — and, mapped onto the shared directory's
tables, the cases and officers case-service's events make known. The schema comes only
from the migrations."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, Text, UniqueConstraint, Uuid, func
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
    """An officer, from the shared directory (officer.* events)."""

    __table__ = directory.officer_views


class Application(Versioned, Base):
    """An application for due-diligence exemption or fault tolerance (尽职免责、容错免责认定申请)."""

    __tablename__ = "applications"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    officer_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    #: The case's category when filed (TOL-18 "same field"), from the directory.
    case_category: Mapped[str | None] = mapped_column(Text)
    initiated_by: Mapped[str] = mapped_column(Text)  # self | unit (TOL-14)
    applicant_officer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    incident_on: Mapped[date] = mapped_column(Date)
    applied_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    loss_level: Mapped[str] = mapped_column(Text)
    #: What the application claims: {grounds, conditions, exclusions}.
    claimed: Mapped[dict] = mapped_column(JSONB)
    #: The recommendation on the claim: {outcome, basis, explanation, policy_id, mitigation_kinds}.
    recommendation: Mapped[dict] = mapped_column(JSONB)
    #: The version in force for the unit on incident_on (000 第十条（十）: 按照事发当时).
    policy_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    deciding_unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    deciding_body: Mapped[str] = mapped_column(Text)
    #: submitted | investigated | decided
    status: Mapped[str] = mapped_column(Text, default="submitted")
    #: The investigation (调查核实): {facts, grounds, conditions, exclusions, loss_level, investigated_on, by}.
    investigation: Mapped[dict | None] = mapped_column(JSONB)
    verified_recommendation: Mapped[dict | None] = mapped_column(JSONB)
    outcome: Mapped[str | None] = mapped_column(Text)
    mitigation_kind: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    publication_scope: Mapped[str | None] = mapped_column(Text)
    deliberation: Mapped[dict | None] = mapped_column(JSONB)
    decision_basis: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    decided_by: Mapped[str | None] = mapped_column(Text)
    #: TOL-14: notified within 7 days of the decision (per policy).
    notify_due_on: Mapped[date | None] = mapped_column(Date)
    notified_on: Mapped[date | None] = mapped_column(Date)
    notification_recipients: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    notification_overdue_emitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())


class Correction(Versioned, Base):
    """A correction order (纠错, TOL-16/TOL-17), started with an exemption decision."""

    __tablename__ = "corrections"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), unique=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    officer_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    reason: Mapped[str] = mapped_column(Text)
    items: Mapped[list] = mapped_column(JSONB)
    requirements: Mapped[str] = mapped_column(Text)
    started_on: Mapped[date] = mapped_column(Date)
    #: The due date first set: kept when extensions move ``due_on`` (TOL-17).
    original_due_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, default="open")  # open | completed
    completed_on: Mapped[date | None] = mapped_column(Date)
    cause_analysis: Mapped[str | None] = mapped_column(Text)
    completion_report: Mapped[str | None] = mapped_column(Text)
    #: The due date whose passing was reported overdue (once per due date: an approved
    #: extension moves ``due_on`` and the new date is watched again). Kept: the breach stays
    #: visible after an extension or a completion.
    overdue_due_on: Mapped[date | None] = mapped_column(Date)
    policy_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())


class CorrectionReport(Base):
    """A progress report on a correction (整改情况, TOL-17/TOL-18 跟踪了解)."""

    __tablename__ = "correction_reports"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    correction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corrections.id"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())


class ExtensionRequest(Base):
    """A request to extend a correction's due date (申请适当延长整改期限, TOL-17)."""

    __tablename__ = "extension_requests"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    correction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("corrections.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    requested_on: Mapped[date] = mapped_column(Date)
    requested_due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="pending")  # pending | approved | refused
    due_on_before: Mapped[date] = mapped_column(Date)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())


class RiskWarning(Base):
    """A risk warning (易错风险点 警示提醒, TOL-18): one per key and window."""

    __tablename__ = "risk_warnings"
    __table_args__ = (UniqueConstraint("unit_id", "dimension", "value", "window_from", name="risk_warnings_key"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    dimension: Mapped[str] = mapped_column(Text)  # unit | category | ground
    value: Mapped[str] = mapped_column(Text)
    window_from: Mapped[date] = mapped_column(Date)
    window_to: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    application_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    case_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    policy_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    issued_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())


class Petition(Versioned, Base):
    """A petition or report (信访举报) about officers (TOL-19).

    An anonymous one stores no reporter identity at all: the ``reporter_*`` columns stay
    null, and nothing else holds them (not the audit log, the logs or the events)."""

    __tablename__ = "petitions"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    officer_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    reporter_name: Mapped[str | None] = mapped_column(Text)
    reporter_phone: Mapped[str | None] = mapped_column(Text)
    reporter_address: Mapped[str | None] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="received")  # received | concluded
    outcome: Mapped[str | None] = mapped_column(Text)
    concluded_on: Mapped[date | None] = mapped_column(Date)
    findings: Mapped[str | None] = mapped_column(Text)
    #: TOL-19: feedback to a real-name reporter within the policy's period.
    feedback_due_on: Mapped[date | None] = mapped_column(Date)
    feedback_on: Mapped[date | None] = mapped_column(Date)
    feedback_content: Mapped[str | None] = mapped_column(Text)
    #: For an anonymous petition: the scope the explanation was given in (在一定范围内说明情况).
    explanation_scope: Mapped[str | None] = mapped_column(Text)
    feedback_overdue_emitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    policy_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())

    __table_args__ = (Index("ix_petitions_officer_ids", "officer_ids", postgresql_using="gin"),)


class Clarification(Base):
    """A clarification (澄清正名, TOL-19) for officers of a petition found unfounded or unproven."""

    __tablename__ = "clarifications"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    petition_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("petitions.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    officer_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    consent_on: Mapped[date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())
