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
    basis: list[str] = ["REV-16"]
