"""API models of /reviews and /notifications (REV-7, REV-13 – REV-15)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from enforcement_common.contracts.review import Grade, ReviewKind


class BasicStandards(BaseModel):
    """REV-13 基本标准: any false ⇒ score 0, unqualified."""

    subject_lawful: bool
    facts_clear: bool
    evidence_conclusive: bool
    procedure_lawful: bool
    law_correctly_applied: bool
    act_appropriate: bool


class Deduction(BaseModel):
    deduction: float = Field(ge=0, le=100)
    notes: str = Field(default="", max_length=2000)


class GeneralStandards(BaseModel):
    """REV-14 一般标准, deductions per stage."""

    filing: Deduction = Deduction(deduction=0)
    investigation: Deduction = Deduction(deduction=0)
    decision: Deduction = Deduction(deduction=0)
    service_execution: Deduction = Deduction(deduction=0)
    archiving: Deduction = Deduction(deduction=0)


class ReviewCreate(BaseModel):
    case_id: uuid.UUID
    kind: ReviewKind
    reviewer_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=20,
        description="评查人员: officers known to the directory, in the caller's unit scope (404 otherwise)",
    )
    basic: BasicStandards
    general: GeneralStandards = GeneralStandards()
    problems: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="发现的问题 (REV-7): at least one when the file grades unqualified",
    )


class Voiding(BaseModel):
    """REV-12: why a completed review no longer stands (作废)."""

    on: date
    reason: str
    remedy_id: uuid.UUID
    remedy_filed_on: date
    basis: list[str]
    policy_id: uuid.UUID | None = None


class Signature(BaseModel):
    role: Literal["legal_affairs_head", "reviewed_unit_head"]


class ReviewRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    kind: str
    reviewer_ids: list[uuid.UUID]
    basic: BasicStandards
    general: GeneralStandards
    problems: list[str]
    score: int
    grade: Grade
    status: Literal["awaiting_signatures", "completed", "voided"]
    signatures: dict[str, dict[str, str]]
    completed_at: datetime | None
    voided: Voiding | None = Field(default=None, description="set when the review was voided (REV-12)")
    basis: list[str]
    policy_id: uuid.UUID | None = Field(
        default=None, description="the policy version (GET /policies/{id}) whose values made this determination"
    )
    version: int


class NotificationRead(BaseModel):
    id: uuid.UUID
    review_id: uuid.UUID
    officer_id: uuid.UUID
    case_id: uuid.UUID
    grade: str
    score: int
    problems: list[str]
    created_at: datetime
    voided: dict | None = Field(
        default=None,
        description="The review's voiding (REV-12): on, reason, basis, policy_id — the notice stands as "
        "sent, its result no longer counts",
    )
    basis: list[str] = ["REV-7"]
