"""API models of /summaries (REV-9)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from enforcement_common.contracts import BoundedDate

Period = Annotated[str, Field(pattern=r"^(19|20)[0-9]{2}H[12]$", examples=["2026H1"])]


class SummaryCreate(BaseModel):
    unit_id: uuid.UUID
    period: Period


class SummaryRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    period: str
    due_on: date
    status: Literal["draft", "submitted", "overdue", "not_generated"]
    figures: dict | None
    submitted_on: date | None
    basis: list[str] = ["REV-9"]
    policy_id: uuid.UUID | None = Field(
        default=None, description="the policy version (GET /policies/{id}) whose values made this determination"
    )


class SummarySubmission(BaseModel):
    submitted_on: BoundedDate
