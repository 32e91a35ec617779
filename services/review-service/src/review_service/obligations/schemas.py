"""API models of /obligations (REV-5)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from enforcement_common.contracts import BoundedDate

ObligationStatus = Literal["pending", "submitted", "reviewed", "excluded", "overdue"]


class ObligationRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    lead_handler_id: uuid.UUID
    closed_on: date
    due_on: date
    status: ObligationStatus
    submitted_on: date | None
    excluded_by_remedy_id: uuid.UUID | None
    exclusion_reason: str | None
    basis: list[str]
    policy_id: uuid.UUID | None = Field(
        default=None, description="the policy version (GET /policies/{id}) whose values made this determination"
    )
    version: int


class Submission(BaseModel):
    submitted_on: BoundedDate
