"""case-service's configurable rules as policy versions (CONTRACT.md "policies"): the
statutory deadlines per category (CASE-9) and the number of certified handlers (CASE-9,
CASE-3) — resolved for a case by its unit and the date of the fact (filing, decision), and
named by ``policy_id`` on every deadline it sets."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from case_service.cases.rules import DEFAULT_DEADLINES, TWO_HANDLER_CATEGORIES
from enforcement_common.calendar import DayKind
from enforcement_common.contracts.case import CaseCategory
from enforcement_common.policies import PolicyCatalogue, PolicyDefault, PolicySource


class DeadlineValues(BaseModel):
    """CASE-9 for one category: the periods and how their days are counted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decision_days: int | None = Field(default=None, ge=1, le=3650, description="from filing; null: none")
    decision_day_kind: DayKind = "calendar"
    service_days: int = Field(default=7, ge=1, le=3650, description="from the decision")
    service_day_kind: DayKind = "working"


def _deadlines() -> dict[CaseCategory, DeadlineValues]:
    return {category: DeadlineValues(**vars(policy)) for category, policy in DEFAULT_DEADLINES.items()}


def _min_handlers() -> dict[CaseCategory, int]:
    return {category: 2 if category in TWO_HANDLER_CATEGORIES else 1 for category in DEFAULT_DEADLINES}


class CasePolicy(BaseModel):
    """What a unit may set for its cases and those of the units below it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deadlines: dict[CaseCategory, DeadlineValues] = Field(
        default_factory=_deadlines, description="CASE-9 periods per category"
    )
    min_handlers: dict[CaseCategory, int] = Field(
        default_factory=_min_handlers, description="certified handlers a case needs, per category (CASE-9)"
    )
    backdating_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description="CASE-3: how many days before today a filing may be dated (补录立案); earlier only "
        "through the platform role's import",
    )

    def deadline(self, category: str) -> DeadlineValues:
        return self.deadlines.get(category) or DeadlineValues(**vars(DEFAULT_DEADLINES[category]))

    def handlers_required(self, category: str) -> int:
        return self.min_handlers.get(category, 2 if category in TWO_HANDLER_CATEGORIES else 1)


CASE_POLICIES = PolicyCatalogue(
    service="case-service",
    values_model=CasePolicy,
    defaults=(
        PolicyDefault(
            effective_from=date(2021, 7, 15),  # the revised 行政处罚法 in force
            values=CasePolicy(),
            source=PolicySource(title="中华人民共和国行政处罚法（2021年修订）", document_number="主席令第七十号"),
        ),
    ),
)
