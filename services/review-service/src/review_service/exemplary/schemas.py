"""API models of exemplary files (REV-16)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class ExemplaryCreate(BaseModel):
    note: str | None = Field(default=None, max_length=1000)


class ExemplaryRead(BaseModel):
    review_id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    selected_by: str
    note: str | None
    selected_at: datetime
    voided: dict | None = Field(
        default=None,
        description="The review's voiding (REV-12: the file came under reconsideration or litigation): "
        "on, reason, basis, policy_id — such a file is no longer offered for learning exchange",
    )
    basis: list[str] = ["REV-16"]
