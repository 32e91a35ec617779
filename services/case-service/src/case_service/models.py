"""ORM models of case-service's own database (the only source of truth for them)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from enforcement_common.api.concurrency import Versioned


class Base(DeclarativeBase):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


class Timestamps:
    # Set in Python, so a response built right after a flush never needs a refresh round trip.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, server_default=func.now(), onupdate=_now
    )


class Unit(Versioned, Timestamps, Base):
    """执法单位: county → townships, departments, bureaus → sections, detachments."""

    __tablename__ = "units"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str] = mapped_column(Text)  # used in case numbers: 城管〔2026〕12号
    kind: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("units.id"))
    region_code: Mapped[str | None] = mapped_column(Text)
    #: 职责: the case categories the unit is empowered to enforce (STAT-8: 无相关职责 vs 0).
    duties: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")


class Officer(Versioned, Timestamps, Base):
    """执法人员 and 执法证."""

    __tablename__ = "officers"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(Text)
    staff_type: Mapped[str] = mapped_column(Text)  # INT-2
    position: Mapped[str | None] = mapped_column(Text)
    id_number: Mapped[str | None] = mapped_column(Text)
    certificate_number: Mapped[str | None] = mapped_column(Text, unique=True)
    certificate_issued_on: Mapped[date | None] = mapped_column(Date)
    certificate_expires_on: Mapped[date | None] = mapped_column(Date)
    #: none | suspended | revoked — what an authority decided; the certificate's dates do the rest.
    restriction: Mapped[str] = mapped_column(Text, default="none")
    restricted_on: Mapped[date | None] = mapped_column(Date)
    restriction_basis: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    restriction_reason: Mapped[str | None] = mapped_column(Text)
    # The qualification status last told downstream (officer.registered / qualification_changed):
    # what time alone changes — a certificate running out — is reported by a scanner.
    reported_status: Mapped[str | None] = mapped_column(Text)


class OfficerRestriction(Base):
    """A period in which an officer's certificate was suspended or revoked (CASE-3): what a
    handler was worth on a past date (a back-dated filing, an action dated before today)
    even after a reinstatement. In force from ``from_on`` until the day before ``until_on``."""

    __tablename__ = "officer_restrictions"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("officers.id"), index=True)
    restriction: Mapped[str] = mapped_column(Text)  # suspended | revoked
    from_on: Mapped[date] = mapped_column(Date)
    until_on: Mapped[date | None] = mapped_column(Date)  # the reinstatement's date; null: still in force


class Assessment(Timestamps, Base):
    """考核: needed to reinstate after a REV-8 suspension."""

    __tablename__ = "assessments"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("officers.id"), index=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)


class Training(Timestamps, Base):
    """培训 attended or held (STAT-5a)."""

    __tablename__ = "trainings"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    organizer_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("units.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    attendee_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)


class CaseCounter(Base):
    """Next case number per unit and year; locked while a case is filed, so numbers have no gaps."""

    __tablename__ = "case_counters"
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Case(Versioned, Timestamps, Base):
    """案件."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("unit_id", "case_year", "case_number"),
        UniqueConstraint("unit_id", "external_ref"),
        UniqueConstraint("unit_id", "case_no"),
        # The list's keyset within a unit, and with its status filter (GET /cases, migration 0012).
        Index("ix_cases_unit_id_filed_on_id", "unit_id", "filed_on", "id"),
        Index("ix_cases_unit_id_status_filed_on_id", "unit_id", "status", "filed_on", "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"))
    case_no: Mapped[str] = mapped_column(Text)  # unique within the unit (short names may repeat)
    case_year: Mapped[int] = mapped_column(Integer)
    case_number: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    party: Mapped[dict] = mapped_column(JSONB)
    lead_handler_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("officers.id"))
    co_handler_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    is_major: Mapped[bool] = mapped_column(Boolean, default=False)
    filed_on: Mapped[date] = mapped_column(Date)
    external_ref: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="filed")
    legal_review_opinion: Mapped[str | None] = mapped_column(Text)
    hearing_held_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_type: Mapped[str | None] = mapped_column(Text)
    fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    confiscation_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    legal_basis: Mapped[str | None] = mapped_column(Text)
    served_on: Mapped[date | None] = mapped_column(Date)
    service_method: Mapped[str | None] = mapped_column(Text)
    executed_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    archived_on: Mapped[date | None] = mapped_column(Date)
    transferred_to: Mapped[str | None] = mapped_column(Text)
    end_reason: Mapped[str | None] = mapped_column(Text)  # transfer or withdrawal reason
    #: 行政处罚的种类 of the decision (行政处罚法 第九条, STAT-7).
    penalty_kinds: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    #: imposed | not_imposed | not_established (行政处罚法 第五十七条); null outside penalty cases.
    penalty_outcome: Mapped[str | None] = mapped_column(Text)


class CaseDeadline(Base):
    """A statutory deadline of a case (CASE-9)."""

    __tablename__ = "case_deadlines"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(Text)  # decision | service
    # Null while the holiday calendar does not cover the period (working days cannot be counted yet).
    due_on: Mapped[date | None] = mapped_column(Date)
    met_on: Mapped[date | None] = mapped_column(Date)
    basis: Mapped[list[str]] = mapped_column(ARRAY(Text))
    #: The policy version whose period set this deadline (CONTRACT.md "deadlines").
    policy_id: Mapped[uuid.UUID | None] = mapped_column()
    #: When its case.deadline_overdue was written: by the scanner, or by the action that met it
    #: late or ended the case past its day — once per deadline (CASE-9).
    overdue_emitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The statutory last day before the first approved extension (null: never extended).
    original_due_on: Mapped[date | None] = mapped_column(Date)


class CaseDeadlineExtension(Base):
    """An approved extension of a deadline (延长办案期限, 行政处罚法 第六十条; CASE-9), kept as history."""

    __tablename__ = "case_deadline_extensions"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    deadline_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_deadlines.id"), index=True)
    kind: Mapped[str] = mapped_column(Text)
    previous_due_on: Mapped[date] = mapped_column(Date)
    new_due_on: Mapped[date] = mapped_column(Date)
    approved_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("officers.id"))
    approved_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())


class TimelineEntry(Base):
    """全过程记录 (CASE-5): every change, with actor and time."""

    __tablename__ = "case_timeline"
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(Text)
    actor_name: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text)
    from_status: Mapped[str | None] = mapped_column(Text)
    to_status: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSONB, default=dict)


class LegalRemedy(Versioned, Timestamps, Base):
    """行政复议、行政诉讼、国家赔偿 and their results (CASE-8)."""

    __tablename__ = "legal_remedies"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    filed_on: Mapped[date] = mapped_column(Date)
    concluded_on: Mapped[date | None] = mapped_column(Date)
