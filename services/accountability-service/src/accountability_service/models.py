"""ORM models of accountability-service's database: what this service owns — error cases
(错案) with their respondents and appeals, the interference register (干预插手记录) with its
signed checkpoints and actions, the quarterly reports and the non-recording findings — and,
mapped onto the shared directory's tables, the cases and officers case-service's events make
known, plus the tolerance decisions tolerance-service's events make known (TOL-15)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Identity, Text, UniqueConstraint, Uuid, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from enforcement_common import directory
from enforcement_common.api.concurrency import Versioned


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class CaseView(Base):
    """A case, from the shared directory (case-service's events)."""

    __table__ = directory.case_views


class OfficerView(Base):
    """An officer, from the shared directory (officer.* events)."""

    __table__ = directory.officer_views


class ToleranceDecision(Base):
    """A tolerance decision (容错免责决定) as tolerance.decided made it known (TOL-15)."""

    __tablename__ = "tolerance_decisions"
    application_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    officer_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    outcome: Mapped[str] = mapped_column(Text)
    mitigation_kind: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)


class ErrorCase(Versioned, Base):
    """An error case (错案) from one of the seven sources of ERR-5, through ERR-10's procedure."""

    __tablename__ = "error_cases"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    source: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    #: accepted | transferred | investigating | decided | reinvestigating | closed
    status: Mapped[str] = mapped_column(Text, default="accepted")
    #: The legal remedy that opened it automatically (ERR-5 sources 3–5): once per remedy.
    remedy_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    opened_by: Mapped[str] = mapped_column(Text)
    transfer_due_on: Mapped[date | None] = mapped_column(Date)
    transferred_on: Mapped[date | None] = mapped_column(Date)
    transferred_to: Mapped[str | None] = mapped_column(Text)
    transfer_overdue_emitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    team_member_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(Uuid))
    team_appointed_by: Mapped[str | None] = mapped_column(Text)
    team_appointed_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    collective_discussion_on: Mapped[date | None] = mapped_column(Date)
    is_error_case: Mapped[bool | None] = mapped_column(Boolean)
    referral: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    reinvestigation_due_on: Mapped[date | None] = mapped_column(Date)
    reinvestigation_ordered_on: Mapped[date | None] = mapped_column(Date)
    reinvestigation_reason: Mapped[str | None] = mapped_column(Text)
    policy_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())


class Respondent(Versioned, Base):
    """A person held responsible (被追究人员) in an error case: findings, handling, sanctions."""

    __tablename__ = "respondents"
    __table_args__ = (UniqueConstraint("error_case_id", "officer_id"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    error_case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("error_cases.id"), index=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    behaviours: Mapped[list[str]] = mapped_column(ARRAY(Text))
    lighter_grounds: Mapped[list[str]] = mapped_column(ARRAY(Text))
    heavier_grounds: Mapped[list[str]] = mapped_column(ARRAY(Text))
    facts: Mapped[str | None] = mapped_column(Text)
    #: The proposal of rules.propose_handling: {handling, basis, explanation}.
    proposal: Mapped[dict] = mapped_column(JSONB)
    handling: Mapped[str | None] = mapped_column(Text)
    departure_reasons: Mapped[str | None] = mapped_column(Text)
    sanctions: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    withdrawn_sanctions: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    tolerated: Mapped[bool] = mapped_column(Boolean, default=False)
    tolerance_application_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    basis: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    statement: Mapped[str | None] = mapped_column(Text)


class Appeal(Versioned, Base):
    """申诉 of a respondent against the handling (ERR-12)."""

    __tablename__ = "appeals"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    error_case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("error_cases.id"), index=True)
    respondent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("respondents.id"))
    officer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    #: statement (陈述申辩) or appeal (申诉)
    kind: Mapped[str] = mapped_column(Text)
    appeal_to: Mapped[str] = mapped_column(Text)
    statement: Mapped[str] = mapped_column(Text)
    filed_on: Mapped[date] = mapped_column(Date)
    #: pending | upheld | changed | revoked
    status: Mapped[str] = mapped_column(Text, default="pending")
    decided_on: Mapped[date | None] = mapped_column(Date)
    new_handling: Mapped[str | None] = mapped_column(Text)
    new_sanctions: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    reasons: Mapped[str | None] = mapped_column(Text)


class InterferenceRecord(Base):
    """干预插手记录 (INT-3): append-only in the database (a trigger refuses UPDATE, DELETE and
    TRUNCATE), chained by ``prev_hash``/``hash`` in ``seq`` order."""

    __tablename__ = "interference_records"
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(Text)
    intervener_officer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    intervener_name: Mapped[str] = mapped_column(Text)
    intervener_staff_type: Mapped[str] = mapped_column(Text)
    intervener_position: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text)
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorder_officer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    recorder_name: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    prev_hash: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(Text, unique=True)


class InterferenceAction(Base):
    """What happened to a record afterwards (append-only too): classification (INT-10, INT-13),
    report to the legal department or 司法局 (INT-3), spot check (INT-4), referral (INT-11),
    retaliation against the recorder (INT-11)."""

    __tablename__ = "interference_actions"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interference_records.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSONB)
    acted_by: Mapped[str] = mapped_column(Text)
    acted_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())


class Checkpoint(Base):
    """A signed checkpoint of the register: its count and head hash, signed with the deployment's key."""

    __tablename__ = "interference_checkpoints"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    key_id: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(Text)


class InterferenceReport(Base):
    """A unit's quarterly report (INT-3): the quarter's records, or an explicit zero report."""

    __tablename__ = "interference_reports"
    __table_args__ = (UniqueConstraint("unit_id", "period"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    period: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    submitted_by: Mapped[str | None] = mapped_column(Text)
    record_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(Uuid))
    zero_report: Mapped[bool | None] = mapped_column(Boolean)
    report_to: Mapped[str | None] = mapped_column(Text)
    overdue_emitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    policy_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class NonrecordingFinding(Base):
    """Not recording, or recording untruthfully (INT-12), and its consequence."""

    __tablename__ = "nonrecording_findings"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(Text)
    found_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    consequence: Mapped[str] = mapped_column(Text)
    ordinal: Mapped[int] = mapped_column(BigInteger)
    instructed_by_leader_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: A finding against the leader who instructed it (INT-12), pointing at the original one.
    leader_of_finding_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: Missing-record detector: the handler recorded nothing for the case.
    no_record_for_case: Mapped[bool] = mapped_column(Boolean)
    basis: Mapped[list[str]] = mapped_column(ARRAY(Text))
    found_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())
