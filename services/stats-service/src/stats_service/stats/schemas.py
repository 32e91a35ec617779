"""API models of /stats/*: figures with the event positions they reflect (``as_of``)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from enforcement_common.contracts import Money


class AsOf(BaseModel):
    """The event positions the figures reflect (``topic:partition`` → next offset) and the lag."""

    positions: dict[str, int]
    lag_seconds: float


class CaseFigures(BaseModel):
    """STAT-5c/STAT-7 figures of one group. ``no_duty``: the units have no duty for the
    category (显示 无相关职责, STAT-8) — the counts are then not figures but absent."""

    key: str
    label: str
    no_duty: bool = False
    filed: int | None
    decided: int | None
    closed: int | None
    hearings: int | None
    fines_total: Money | None
    confiscations_total: Money | None
    #: Penalty decisions by their heaviest kind (行政处罚法 第九条 classes k1…k5, k0 其他) — STAT-7.
    penalty_decisions_by_kind: dict[str, int] | None


class CaseStats(BaseModel):
    unit_id: uuid.UUID
    from_: date = Field(alias="from")
    to: date
    group_by: str
    groups: list[CaseFigures]
    totals: CaseFigures
    basis: list[str] = ["STAT-5c", "STAT-7", "STAT-8"]
    as_of: AsOf

    model_config = {"populate_by_name": True}


class TrainingStats(BaseModel):
    """STAT-5a: 参加法律培训的执法人员 (人数、学时) and 举办的培训班 (期数、参训人次、学时)."""

    unit_id: uuid.UUID
    from_: date = Field(alias="from")
    to: date
    officers_trained: int
    training_hours: Decimal = Field(description="Sum over officers trained of the hours of each training (人·学时)")
    trainings_attended: int
    courses_held: int
    course_attendees: int
    course_hours: Decimal
    basis: list[str] = ["STAT-5a"]
    as_of: AsOf

    model_config = {"populate_by_name": True}


class CertificateFigures(BaseModel):
    key: str
    label: str
    officers: int
    holders: int
    holder_rate: Decimal | None = Field(
        description="持证率 = holders ÷ enforcement officers (STAT-8); null with no officer"
    )


class CertificateStats(BaseModel):
    """STAT-5b/STAT-8: certificate holders on a date, per unit or area (region)."""

    unit_id: uuid.UUID
    on: date
    group_by: str
    groups: list[CertificateFigures]
    totals: CertificateFigures
    basis: list[str] = ["STAT-5b", "STAT-8"]
    as_of: AsOf


class ReviewStats(BaseModel):
    """案卷评查 figures: self-review obligations of cases closed in the period (REV-5/REV-6/REV-12),
    reviews completed in the period by grade and kind (REV-15)."""

    unit_id: uuid.UUID
    from_: date = Field(alias="from")
    to: date
    obligations: int
    excluded: int
    overdue: int
    self_reviewed: int
    self_review_rate: Decimal | None
    reviews_by_grade: dict[str, int]
    reviews_by_kind: dict[str, int]
    basis: list[str] = ["REV-6", "REV-12", "REV-15"]
    as_of: AsOf

    model_config = {"populate_by_name": True}


class ToleranceStats(BaseModel):
    """容错免责 decisions in the period by outcome, and the officers relieved (TOL-14, TOL-15)."""

    unit_id: uuid.UUID
    from_: date = Field(alias="from")
    to: date
    decisions_by_outcome: dict[str, int]
    officers_relieved: int
    basis: list[str] = ["TOL-14", "TOL-15"]
    as_of: AsOf

    model_config = {"populate_by_name": True}


class AccountabilityStats(BaseModel):
    """错案 figures: error cases opened by source (ERR-5), determinations, respondents counted as
    enforcement errors — never one granted tolerance (TOL-15) — and sanctions (ERR-11)."""

    unit_id: uuid.UUID
    from_: date = Field(alias="from")
    to: date
    error_cases_by_source: dict[str, int]
    determinations: int
    error_determinations: int
    error_respondents: int
    tolerated_respondents: int
    sanctions_by_kind: dict[str, int]
    basis: list[str] = ["ERR-5", "ERR-11", "TOL-15"]
    as_of: AsOf

    model_config = {"populate_by_name": True}
