"""API models of /interference-reports: per unit and quarter, the records or an explicit zero report."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from enforcement_common.contracts import PastDate

Quarter = Annotated[str, Field(pattern=r"^(19|20)[0-9]{2}Q[1-4]$", examples=["2026Q4"])]


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: uuid.UUID
    period: Quarter
    submitted_on: PastDate
    zero_report: bool = Field(description="true: an explicit zero report (no record in the quarter)")
    report_to: Literal["legal_department", "justice_bureau"] = "legal_department"


class ReportRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    period: str
    due_on: date
    status: Literal["owed", "overdue", "submitted", "submitted_late"]
    days_late: int | None
    submitted_on: date | None
    zero_report: bool | None
    report_to: str | None
    record_ids: list[uuid.UUID] = Field(description="the quarter's records the caller may see (INT-9)")
    record_count: int
    basis: list[str] = ["INT-3"]
    policy_id: uuid.UUID | None
