"""API models of /corrections (纠错, TOL-16, TOL-17)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from enforcement_common.contracts import BoundedDate, PastDate
from tolerance_service.applications.schemas import Deadline


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProgressCreate(Strict):
    """整改情况: a progress report."""

    reported_on: PastDate
    content: str = Field(min_length=1, max_length=5000)


class CompletionCreate(Strict):
    """完成纠错整改, with the cause analysis (认真分析原因、深刻汲取教训)."""

    completed_on: PastDate
    cause_analysis: str = Field(min_length=1, max_length=5000)
    report: str = Field(min_length=1, max_length=5000, description="what was corrected and improved")


class ExtensionRequestCreate(Strict):
    """因特殊情况难以在规定时间内完成的，可以申请适当延长整改期限 (TOL-17)."""

    requested_due_on: BoundedDate
    reason: str = Field(min_length=1, max_length=2000)


class ExtensionDecisionCreate(Strict):
    approved: bool
    reason: str = Field(min_length=1, max_length=2000)
    decided_on: PastDate


class ProgressRead(BaseModel):
    id: uuid.UUID
    reported_on: PastDate
    content: str
    reported_by: str


class ExtensionRequestRead(BaseModel):
    id: uuid.UUID
    correction_id: uuid.UUID
    requested_on: date
    requested_due_on: BoundedDate
    reason: str
    status: Literal["pending", "approved", "refused"]
    due_on_before: date
    decision_reason: str | None
    decided_on: date | None
    decided_by: str | None


class CorrectionRead(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    unit_id: uuid.UUID
    officer_ids: list[uuid.UUID]
    reason: str
    items: list[str]
    requirements: str
    started_on: date
    original_due_on: date = Field(description="the due date first set, kept through extensions (TOL-17)")
    due_on: date
    status: Literal["open", "completed"]
    breached_due_on: date | None = Field(
        description="the last due date that passed unmet (reported overdue): kept after an extension or completion"
    )
    completed_on: date | None
    cause_analysis: str | None
    completion_report: str | None
    progress: list[ProgressRead]
    extension_requests: list[ExtensionRequestRead] = Field(description="the full history, oldest first")
    deadlines: list[Deadline]
    policy_id: uuid.UUID
    basis: list[str]
    version: int
