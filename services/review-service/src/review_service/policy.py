"""review-service's configurable rules as policy versions (CONTRACT.md "policies"):
REV-5 self-review period, REV-8 above ten lead cases, REV-9 summary due days, REV-15
grade bands, REV-6/REV-17 self-review rate target — resolved by the unit and the date of the fact (closure, review, half year)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from enforcement_common.policies import PolicyCatalogue, PolicyDefault, PolicySource
from review_service.rules import SELF_REVIEW_DAYS, GradeBands


class ReviewPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: REV-5: the file goes to self-review within this many days of the case's conclusion.
    self_review_days: int = Field(default=SELF_REVIEW_DAYS, ge=1, le=365)
    #: REV-15 bands (the seed sets none; defaults as in published local review rules).
    grade_excellent_from: int = Field(default=90, ge=1, le=100)
    grade_qualified_from: int = Field(default=60, ge=1, le=100)
    #: REV-8 above 10 lead cases (the seed is silent): manual_review, or seed_table to apply 1/2/≥3 anyway.
    above_ten_lead_cases: Literal["manual_review", "seed_table"] = "manual_review"
    #: REV-9: a half-year summary is overdue this many days after the half year ends.
    summary_due_days: int = Field(default=15, ge=0, le=180)
    #: REV-6 / REV-17: the self-review rate a unit must reach, in percent (the seed: 100%);
    #: below it, compliance flags the unit (REV-17) — not only a unit with no review at all.
    self_review_rate_target: int = Field(default=100, ge=1, le=100)

    @property
    def grade_bands(self) -> GradeBands:
        return GradeBands(excellent=self.grade_excellent_from, qualified=self.grade_qualified_from)

    @model_validator(mode="after")
    def _bands_ordered(self) -> ReviewPolicy:
        if self.grade_qualified_from >= self.grade_excellent_from:
            raise ValueError("grade_qualified_from must be below grade_excellent_from")
        return self


REVIEW_POLICIES = PolicyCatalogue(
    service="review-service",
    values_model=ReviewPolicy,
    defaults=(
        PolicyDefault(
            effective_from=date(2022, 11, 26),  # 隰县 行政执法案卷评查制度
            values=ReviewPolicy(),
            source=PolicySource(title="隰县行政执法案卷评查制度", document_number="隰政办发〔2022〕63号"),
        ),
    ),
)
