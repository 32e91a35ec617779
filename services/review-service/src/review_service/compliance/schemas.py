"""API model of /compliance (REV-6, REV-17, REV-10, REV-5): per unit and period, rolled up over sub-units."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

#: REV-6 "per unit and period": a year, a half year or a quarter.
CompliancePeriod = Annotated[
    str, Field(pattern=r"^(19|20)[0-9]{2}(H[12]|Q[1-4])?$", examples=["2026", "2026H2", "2026Q4"])
]


class ComplianceFigures(BaseModel):
    """Self-review compliance of one unit and its sub-units for one period (obligations by closure date)."""

    unit_id: uuid.UUID
    obligations: int
    excluded: int
    reviewed: int
    submitted: int = Field(description="transferred, awaiting review (on time or late)")
    pending: int = Field(description="not transferred, still within the period (REV-5)")
    overdue: int = Field(
        description="transfer deadline breached (REV-5): not transferred past due_on, or transferred late — "
        "a late transfer stays overdue here after the file is reviewed (REV-6, REV-17)"
    )
    overdue_pending: int = Field(description="not transferred past due_on")
    transferred_late: int = Field(description="transferred after due_on (submitted_late), whatever came after")
    self_review_rate: float | None = Field(
        description="reviewed / obligations fallen due (excluded ones aside); REV-6, against the policy target"
    )
    target_rate: float = Field(description="the policy's self-review rate target (REV-6; the seed: 1.0)")
    meets_target: bool | None
    rev17_flag: bool = Field(description="obligations fell due and the self-review rate is below the target (REV-17)")
    inspections_in_year: int = Field(description="hierarchical inspections of this unit for the period's year (REV-10)")
    rev10_flag: bool | None = Field(
        description="the year ended without a hierarchical inspection of this unit (REV-10); null while the "
        "year runs and none was made yet"
    )
    policy_id: uuid.UUID = Field(description="the policy version whose target applies (GET /policies/{id})")


class ComplianceRead(ComplianceFigures):
    period: str
    period_start: date
    period_end: date
    year: int
    includes_sub_units: bool = Field(description="the figures roll up every unit below unit_id")
    sub_units: list[ComplianceFigures] = Field(
        default_factory=list, description="each direct sub-unit with its own sub-units rolled up"
    )
    basis: list[str] = ["REV-5", "REV-6", "REV-10", "REV-17"]
