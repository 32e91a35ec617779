from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from case_service.cases.rules import Action, DeadlineKind, DeadlineStatus
from enforcement_common.contracts import BoundedDate, PastDate
from enforcement_common.contracts import Money as MoneyTotal
from enforcement_common.contracts import MoneyAmount as Money
from enforcement_common.contracts.case import CaseCategory, CaseStatus, PenaltyKind, PenaltyOutcome


class Party(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["person", "organization"]
    id_number: str | None = Field(
        default=None,
        max_length=30,
        description="ID card or unified social credit code; masked on read for roles without need",
    )


class CaseCreate(BaseModel):
    unit_id: uuid.UUID
    category: CaseCategory
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(default="", max_length=5000)
    party: Party
    lead_handler_id: uuid.UUID
    co_handler_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    is_major: bool = False
    filed_on: BoundedDate | None = Field(default=None, description="default: today (Asia/Shanghai)")
    external_ref: str | None = Field(
        default=None, min_length=1, max_length=100, description="the provincial platform's id; unique per unit"
    )


class DeadlineExtensionCreate(BaseModel):
    """An approved extension of a deadline (延长办案期限, 行政处罚法 第六十条; CASE-9)."""

    kind: DeadlineKind = Field(description="the deadline extended; only `decision` may be extended")
    new_due_on: BoundedDate = Field(description="the new last day: after the current one")
    approved_by: uuid.UUID = Field(description="the officer who approved (负责人批准), in the caller's scope")
    approved_on: BoundedDate = Field(description="between the filing and today, and no later than the current last day")
    reason: str = Field(min_length=1, max_length=2000)


class DeadlineExtensionRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    kind: DeadlineKind
    previous_due_on: date = Field(description="the last day before this extension")
    new_due_on: date
    approved_by: uuid.UUID
    approved_on: date
    reason: str
    recorded_by: str
    created_at: datetime


class Deadline(BaseModel):
    """A statutory deadline (CASE-9; CONTRACT.md "deadlines")."""

    kind: DeadlineKind
    due_on: date | None = Field(
        description="the last day now in force (after approved extensions); null (status awaiting_calendar) "
        "while the working days of the period cannot be counted because the holiday calendar for that year "
        "is not published yet — filled in as soon as it is"
    )
    status: DeadlineStatus = Field(
        description="open; met (on or before due_on); met_late (met after due_on — the breach stays visible "
        "after it is cured, days_late given); overdue (due_on passed, not met); awaiting_calendar; lapsed "
        "(the case ended — transferred, withdrawn, closed — before the deadline was met; it no longer runs)"
    )
    met_on: date | None
    days_late: int | None = Field(
        default=None,
        description="calendar days past due_on: met_on − due_on when met_late, today − due_on while overdue; "
        "null otherwise",
    )
    original_due_on: date | None = Field(
        default=None,
        description="the statutory last day before any extension (equals due_on when never extended)",
    )
    extensions: list[DeadlineExtensionRead] = Field(
        default_factory=list, description="approved extensions, oldest first (行政处罚法 第六十条)"
    )
    basis: list[str]
    policy_id: uuid.UUID | None = Field(
        description="the policy version (GET /policies/{id}) whose period set this deadline"
    )


class CaseRead(BaseModel):
    id: uuid.UUID
    case_no: str
    unit_id: uuid.UUID
    category: CaseCategory
    title: str
    summary: str
    party: Party
    lead_handler_id: uuid.UUID
    co_handler_ids: list[uuid.UUID]
    is_major: bool
    filed_on: date
    external_ref: str | None
    status: CaseStatus
    allowed_actions: list[Action]
    legal_review_opinion: Literal["approved", "returned"] | None
    hearing_held_on: date | None
    decided_on: date | None
    decision_type: str | None
    penalty_kinds: list[PenaltyKind] = Field(description="行政处罚的种类 of the decision, heaviest first (STAT-7)")
    penalty_outcome: PenaltyOutcome | None = Field(
        default=None, description="A penalty case's decision (行政处罚法 第五十七条); null for other categories"
    )
    fine_amount: Money | None
    confiscation_amount: Money | None
    legal_basis: str | None
    served_on: date | None
    service_method: str | None
    executed_on: date | None
    closed_on: date | None
    archived_on: date | None
    transferred_to: Literal["police", "other_agency"] | None
    end_reason: str | None
    deadlines: list[Deadline]
    version: int
    created_at: datetime
    updated_at: datetime


class Note(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class InvestigationStart(Note):
    started_on: BoundedDate | None = None


class LegalReview(Note):
    """法制审核 (CASE-4)."""

    opinion: Literal["approved", "returned"]
    reviewed_on: BoundedDate | None = None


class Hearing(Note):
    """听证 (CASE-7)."""

    held_on: BoundedDate


class Decision(Note):
    """审查决定. ``penalty_outcome`` (行政处罚法 第五十七条): a ``penalty`` case's decision imposes a
    penalty (``imposed``, the default), or decides not to (``not_imposed``, 不予行政处罚) or that the
    facts are not established (``not_established``); other categories give none.
    ``penalty_kinds`` (行政处罚法 第九条, STAT-7): an imposed penalty names at least one; anything
    else none. ``fine`` is named exactly when ``fine_amount`` > 0; a ``confiscation_amount`` > 0
    needs ``confiscation`` (``confiscation`` alone is allowed: 没收非法财物 not valued in the
    decision). Otherwise 422 ``case.invalid_penalty_kinds``."""

    decision_type: str = Field(min_length=1, max_length=100, description="e.g. 罚款, 没收违法所得, 准予许可, 不予处罚")
    penalty_outcome: PenaltyOutcome | None = Field(
        default=None,
        description="penalty cases: imposed (default) | not_imposed (不予行政处罚) | not_established "
        "(违法事实不能成立); null for other categories. A decision imposing nothing names no kind and "
        "no amount (a zero amount is stored as none); it is served like any penalty decision (CASE-9)",
    )
    penalty_kinds: list[PenaltyKind] = Field(
        default_factory=list,
        max_length=13,
        description="行政处罚的种类 (行政处罚法 第九条): required, non-empty, for a penalty case; empty for other "
        "categories; stored once each, heaviest first",
    )
    fine_amount: Money | None = None
    confiscation_amount: Money | None = None
    decided_on: BoundedDate
    legal_basis: str = Field(min_length=1, max_length=2000)


class Service(Note):
    """送达."""

    served_on: BoundedDate
    method: Literal["direct", "mail", "electronic", "public_notice", "left_at_residence", "entrusted"]


class Execution(Note):
    executed_on: BoundedDate


class Closure(Note):
    closed_on: BoundedDate


class Archive(Note):
    archived_on: BoundedDate


class Transfer(Note):
    """移送 (CASE-6)."""

    to: Literal["police", "other_agency"]
    reason: str = Field(min_length=1, max_length=2000)
    transferred_on: BoundedDate | None = None


class Withdrawal(Note):
    reason: str = Field(min_length=1, max_length=2000)


class HandlersChange(BaseModel):
    """承办人员变更: the case's handlers replaced while it is open (a handler suspended,
    transferred or recused). Every new handler holds a valid, unsuspended certificate on
    ``changed_on`` and serves in the case's unit or below, at least the policy's number of
    them (CASE-3, CASE-9)."""

    lead_handler_id: uuid.UUID
    co_handler_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    changed_on: PastDate | None = Field(default=None, description="the day of the change (default today)")
    reason: str = Field(min_length=1, max_length=2000, description="why the handlers change (recorded, CASE-5)")


class TimelineRead(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_name: str
    action: str
    from_status: str | None
    to_status: str | None
    details: dict


RemedyKind = Literal["reconsideration", "litigation", "compensation"]
RemedyResult = Literal[
    "upheld", "dismissed", "revoked", "partially_revoked", "changed", "ordered_redo", "compensation_paid"
]


class RemedyCreate(BaseModel):
    """行政复议、行政诉讼、国家赔偿 (CASE-8)."""

    kind: RemedyKind
    status: Literal["pending", "concluded"] = "pending"
    result: RemedyResult | None = None
    filed_on: BoundedDate
    concluded_on: BoundedDate | None = None


class RemedyUpdate(BaseModel):
    @field_validator("status")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("must not be null (omit the field to keep it)")
        return value

    status: Literal["pending", "concluded"] | None = None
    result: RemedyResult | None = None
    concluded_on: BoundedDate | None = None


class RemedyRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    kind: RemedyKind
    status: Literal["pending", "concluded"]
    result: RemedyResult | None
    filed_on: date
    concluded_on: date | None
    version: int


CountsGroupBy = Literal["category", "status", "unit", "month"]


class CaseCountRow(BaseModel):
    """The owner's counts of one group (STAT-7: a case counts once, in the period of the fact
    counted — ``filed`` by filed_on, ``decided`` and the amounts by decided_on, ``closed`` by
    closed_on)."""

    key: str | None = Field(
        description="the group: a category, a status (the case's status now), a unit id, or a month "
        "(YYYY-MM of the fact's date); null in totals and without group_by"
    )
    filed: int = Field(description="cases filed in the period (立案)")
    decided: int = Field(description="decisions made in the period (作出决定)")
    closed: int = Field(description="cases closed in the period (结案)")
    hearings: int = Field(description="decisions of the period made after a hearing (听证, STAT-5c)")
    fines_total: MoneyTotal = Field(
        description="罚款 of the decisions of the period (CNY, the decision documents' amounts)"
    )
    confiscations_total: MoneyTotal = Field(description="没收 amounts of the decisions of the period (CNY)")
    penalty_decisions: dict[PenaltyKind, int] = Field(
        description="penalty decisions of the period, each counted once under its heaviest kind (STAT-7)"
    )


class CaseCounts(BaseModel):
    """``GET /cases:counts``: what case-service itself counts, for stats-service's reconciliation."""

    unit_id: uuid.UUID | None = Field(description="the unit counted with its sub-units; null: the whole county")
    from_date: date
    to_date: date
    group_by: CountsGroupBy | None
    rows: list[CaseCountRow] = Field(description="one per group with at least one fact, ordered by key")
    totals: CaseCountRow
    basis: list[str] = Field(default=["STAT-7", "STAT-5c"])
