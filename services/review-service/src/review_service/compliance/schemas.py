"""API model of /compliance (REV-6, REV-17)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class ComplianceRead(BaseModel):
    unit_id: uuid.UUID
    year: int
    obligations: int
    excluded: int
    reviewed: int
    submitted: int
    pending: int
    overdue: int
    self_review_rate: float | None = Field(
        description="reviewed / obligations fallen due (excluded ones aside); REV-6 target 1.0"
    )
    meets_target: bool | None
    rev17_flag: bool = Field(description="obligations fell due and none was self-reviewed (REV-17)")
    basis: list[str] = ["REV-6", "REV-17"]
