"""API models of /inspections (REV-10, REV-11)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class InspectionCreate(BaseModel):
    unit_id: uuid.UUID
    year: int = Field(ge=2000, le=2100)
    per_category: int = Field(default=5, ge=1, le=50)
    seed: str | None = Field(default=None, min_length=1, max_length=100, description="omit for a fresh random seed")


class InspectionRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    year: int
    per_category: int
    seed: str
    ledger: dict[str, list[str]]
    drawn: dict[str, list[str]]
    drawn_by: str
    created_at: datetime
    basis: list[str] = ["REV-10", "REV-11"]


class Verification(BaseModel):
    inspection_id: uuid.UUID
    reproducible: bool
    redrawn: dict[str, list[str]]
