"""API models of /obligations (REV-5)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from enforcement_common.contracts import BoundedDate

#: ``submitted_late``: transferred after due_on (REV-5), awaiting review; the breach stays in
#: ``days_late`` and ``deadline`` once reviewed.
ObligationStatus = Literal["pending", "submitted", "submitted_late", "reviewed", "excluded", "overdue"]


class TransferDeadline(BaseModel):
    """REV-5: the transfer (移交) of the file within the policy's days of the closure, as a
    deadline (CONTRACT.md "deadlines"); a late transfer stays ``met_late``."""

    kind: Literal["self_review_transfer"] = "self_review_transfer"
    due_on: date
    status: Literal["open", "met", "met_late", "overdue", "lapsed"]
    met_on: date | None = None
    days_late: int | None = None
    basis: list[str] = ["REV-5"]
    policy_id: uuid.UUID | None = None


class ObligationRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    lead_handler_id: uuid.UUID
    closed_on: date
    due_on: date
    status: ObligationStatus
    submitted_on: date | None
    days_late: int | None = Field(default=None, description="days the transfer came after due_on (REV-5)")
    deadline: TransferDeadline
    excluded_by_remedy_id: uuid.UUID | None
    exclusion_reason: str | None
    basis: list[str]
    policy_id: uuid.UUID | None = Field(
        default=None, description="the policy version (GET /policies/{id}) whose values made this determination"
    )
    version: int


class Submission(BaseModel):
    """移交: the date the file reached legal affairs — not in the future, not before the closure (REV-5)."""

    submitted_on: BoundedDate
