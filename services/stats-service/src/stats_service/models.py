"""stats-service's tables (ORM models); the schema itself comes only from its migrations.

The projection (统计投影) is kept per **generation** (``gen``): the live generation answers
queries while a rebuild replays every topic into the next one (a shadow copy); the switch
is one update of :class:`ProjectionState`. Every projection table carries ``gen`` first in
its primary key. The event log (:class:`LoggedEvent`) is the projection's own record of
the events it applied, at their Kafka positions: a frozen report is re-derived from it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from enforcement_common import directory
from enforcement_common.api.concurrency import Versioned


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class OfficerView(Base):
    """An officer as now, from the shared directory (officer.* events): the public list."""

    __table__ = directory.officer_views


class CaseView(Base):
    """A case, from the shared directory (case.* events)."""

    __table__ = directory.case_views


# --- projection bookkeeping ---------------------------------------------------------------


class ProjectionState(Base):
    """One row: the generation that answers queries (switched by a rebuild)."""

    __tablename__ = "stat_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    live_gen: Mapped[int] = mapped_column(Integer)
    switched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Position(Base):
    """Per generation and topic partition: the next offset after the last event applied."""

    __tablename__ = "stat_positions"
    gen: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(Text, primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_offset: Mapped[int] = mapped_column(BigInteger)
    last_event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoggedEvent(Base):
    """An event the projection applied, at its first position (a replay of the same id is not applied again)."""

    __tablename__ = "stat_events"
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    topic: Mapped[str] = mapped_column(Text)
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(Text)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict] = mapped_column(JSONB)
    __table_args__ = (Index("ix_stat_events_position", "topic", "partition", "offset"),)


# --- the projection (per generation) ---------------------------------------------------------


class StatUnit(Base):
    """A unit with its duties (应执法的类别, STAT-8) and parent (roll-up)."""

    __tablename__ = "stat_units"
    gen: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(Text)
    duties: Mapped[list[str]] = mapped_column(ARRAY(Text))
    __table_args__ = (Index("ix_stat_units_parent", "gen", "parent_id"),)


class StatCase(Base):
    """What the projection knows of a case: the facts its counters come from (STAT-5c, STAT-7)."""

    __tablename__ = "stat_cases"
    gen: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    category: Mapped[str] = mapped_column(Text)
    filed_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    penalty_kinds: Mapped[list[str]] = mapped_column(ARRAY(Text))
    fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    confiscation_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    hearing_held: Mapped[bool] = mapped_column(Boolean)
    #: The closure's amounts, counted only when no decision was seen.
    closed_fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    closed_confiscation_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    closed_hearing_held: Mapped[bool | None] = mapped_column(Boolean)


class StatCounter(Base):
    """Counters by unit × day × category × measure (filed, decided, closed, hearings, fines,
    confiscations, ``penalty:<kind>``), kept by the difference a case's facts make."""

    __tablename__ = "stat_counters"
    gen: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(Text, primary_key=True)
    measure: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    # A unit's days read by index only (no heap visit): the county-year query's path.
    __table_args__ = (
        Index(
            "ix_stat_counters_unit_day_covering",
            "gen",
            "unit_id",
            "day",
            postgresql_include=["category", "measure", "value"],
        ),
    )


class StatOfficerState(Base):
    """An officer's state from one event on (持证 on any past date, STAT-5b/STAT-8)."""

    __tablename__ = "stat_officer_states"
    gen: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    effective_on: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(BigInteger)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(Text)
    staff_type: Mapped[str] = mapped_column(Text)
    certificate_no: Mapped[str | None] = mapped_column(Text)
    certificate_expires_on: Mapped[date | None] = mapped_column(Date)
    qualification_status: Mapped[str] = mapped_column(Text)
    __table_args__ = (Index("ix_stat_officer_states_officer", "gen", "officer_id", "effective_on", "seq"),)


class StatTraining(Base):
    """A training (培训) attended or held (STAT-5a)."""

    __tablename__ = "stat_trainings"
    gen: Mapped[int] = mapped_column(Integer, primary_key=True)
    training_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    organizer_unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(Text)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    attendee_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))


class StatObligation(Base):
    """A self-review obligation (自查义务) as review-service announced it (REV-5, REV-6, REV-12)."""

    __tablename__ = "stat_obligations"
    gen: Mapped[int] = mapped_column(Integer, primary_key=True)
    obligation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    closed_on: Mapped[date | None] = mapped_column(Date)
    excluded: Mapped[bool] = mapped_column(Boolean)
    overdue: Mapped[bool] = mapped_column(Boolean)


class StatReview(Base):
    """A completed review (评查) with its grade (REV-15)."""

    __tablename__ = "stat_reviews"
    gen: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(Text)
    grade: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(Integer)
    completed_on: Mapped[date] = mapped_column(Date)
    #: review.voided (REV-12): the file was under reconsideration or litigation; not counted.
    voided: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class StatToleranceDecision(Base):
    """A tolerance decision (容错免责决定) of the party committee (TOL-14, TOL-15)."""

    __tablename__ = "stat_tolerance_decisions"
    gen: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    officer_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    outcome: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)


class StatErrorCase(Base):
    """An error case (错案) by its source (ERR-5) and its determination."""

    __tablename__ = "stat_error_cases"
    gen: Mapped[int] = mapped_column(Integer, primary_key=True)
    error_case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    source: Mapped[str | None] = mapped_column(Text)
    opened_on: Mapped[date | None] = mapped_column(Date)
    is_error_case: Mapped[bool | None] = mapped_column(Boolean)
    decided_on: Mapped[date | None] = mapped_column(Date)


class StatRespondent(Base):
    """A respondent of an error case's determination (tolerated ones are not errors, TOL-15)."""

    __tablename__ = "stat_respondents"
    gen: Mapped[int] = mapped_column(Integer, primary_key=True)
    error_case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tolerated: Mapped[bool] = mapped_column(Boolean)
    sanctions: Mapped[list[str]] = mapped_column(ARRAY(Text))


class StatSanction(Base):
    """Sanctions imposed (ERR-11) or withdrawn, one row per event."""

    __tablename__ = "stat_sanctions"
    gen: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    error_case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    officer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    sanctions: Mapped[list[str]] = mapped_column(ARRAY(Text))
    effective_on: Mapped[date] = mapped_column(Date)
    #: accountability.sanction_withdrawn (TOL-15 granted later, or an appeal — ERR-12).
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


# --- reports ---------------------------------------------------------------------------


class Report(Versioned, Base):
    """A frozen statistics report (统计报表) of a unit for a period, with the positions it reflects."""

    __tablename__ = "reports"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    period: Mapped[str] = mapped_column(Text)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    positions: Mapped[dict] = mapped_column(JSONB)
    catalogue_version: Mapped[str] = mapped_column(Text)
    content: Mapped[dict] = mapped_column(JSONB)
    content_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(Text)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[str | None] = mapped_column(Text)
    submitted_by_name: Mapped[str | None] = mapped_column(Text)


class AnnualReportDue(Base):
    """The annual report a unit owes for a year, due per policy (STAT-6); overdue emitted once."""

    __tablename__ = "annual_reports_due"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    year: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    policy_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    overdue_emitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_annual_reports_due_unit_year"),)


class Rebuild(Base):
    """A rebuild (重建) of the projection into a shadow generation: progress and outcome."""

    __tablename__ = "rebuilds"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    gen: Mapped[int] = mapped_column(Integer)
    #: running | switched | failed
    status: Mapped[str] = mapped_column(Text)
    positions: Mapped[dict] = mapped_column(JSONB)
    targets: Mapped[dict] = mapped_column(JSONB)
    events_done: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    differences: Mapped[list | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("uq_rebuilds_one_running", "status", unique=True, postgresql_where="status = 'running'"),)
