"""API models of /inspections (REV-10, REV-11)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from enforcement_common.contracts.review import Grade

#: REV-11 自查质量: good (自查准确规范), deficient (自查存在不足), not_done (未开展自查).
SelfReviewQuality = Literal["good", "deficient", "not_done"]


class InspectionCreate(BaseModel):
    unit_id: uuid.UUID
    year: int = Field(ge=2000, le=2100)
    per_category: int = Field(default=5, ge=1, le=50)
    seed: str | None = Field(default=None, min_length=1, max_length=100, description="omit for a fresh random seed")


class FindingCreate(BaseModel):
    """REV-11: what the inspection found for one drawn file — the file's quality (案卷质量) and
    the quality of the unit's self-review of it (自查质量)."""

    case_id: uuid.UUID = Field(description="a file drawn in this inspection")
    file_grade: Grade
    file_score: int | None = Field(default=None, ge=0, le=100)
    self_review_quality: SelfReviewQuality = Field(
        description="not_done exactly when the file has no completed self-review"
    )
    problems: list[str] = Field(default_factory=list, max_length=100)
    notes: str | None = Field(default=None, max_length=2000)


class FindingRead(BaseModel):
    inspection_id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    file_grade: Grade
    file_score: int | None
    self_review_quality: SelfReviewQuality
    self_review_id: uuid.UUID | None = Field(description="the completed self-review that was judged")
    self_review_grade: Grade | None
    problems: list[str]
    notes: str | None
    recorded_by: str
    recorded_at: datetime
    basis: list[str] = ["REV-11"]


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
    findings: list[FindingRead] = Field(default_factory=list, description="per drawn file (REV-11)")
    files_without_finding: int = Field(default=0, description="drawn files not yet examined")
    basis: list[str] = ["REV-10", "REV-11"]


class Verification(BaseModel):
    inspection_id: uuid.UUID
    reproducible: bool
    redrawn: dict[str, list[str]]
