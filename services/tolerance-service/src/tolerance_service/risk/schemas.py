"""API models of /risk-warnings (TOL-18)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class RiskWarningRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    dimension: Literal["unit", "category", "ground"] = Field(
        description="the same unit, the same case category (field, 领域), the same ground"
    )
    value: str = Field(description="the unit id, the case category or the ground code")
    window_from: date
    window_to: date
    count: int
    threshold: int
    application_ids: list[uuid.UUID] = Field(description="the applications behind the warning")
    case_ids: list[uuid.UUID] = Field(description="their cases")
    issued_on: date
    basis: list[str]
    policy_id: uuid.UUID
