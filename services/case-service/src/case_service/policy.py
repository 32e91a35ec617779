"""case-service's configurable rules as policy versions (CONTRACT.md "policies"): the
statutory deadlines per category (CASE-9) and the number of certified handlers (CASE-9,
CASE-3) — resolved for a case by its unit and the date of the fact (filing, decision), and
named by ``policy_id`` on every deadline it sets."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from case_service.cases.rules import DEFAULT_DEADLINES, TWO_HANDLER_CATEGORIES
from enforcement_common.calendar import DayKind
from enforcement_common.contracts.case import CaseCategory
from enforcement_common.policies import PolicyCatalogue, PolicyDefault, PolicySource


class DeadlineValues(BaseModel):
    """CASE-9 for one category: the periods and how their days are counted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decision_days: int | None = Field(default=None, ge=1, le=3650, description="from filing; null: none")
    decision_day_kind: DayKind = "calendar"
    service_days: int | None = Field(
        default=None, ge=1, le=3650, description="from the decision (送达期限); null: none"
    )
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

    @model_validator(mode="before")
    @classmethod
    def _statutory_values_where_omitted(cls, data: Any) -> Any:
        """A category's entry that omits a value keeps the statute's for that category (CASE-9):
        ``{"penalty": {"decision_days": 60}}`` keeps the 7 working days of service; an explicit
        null means no period."""
        if not isinstance(data, dict) or not isinstance(data.get("deadlines"), dict):
            return data
        deadlines = {
            category: {**vars(DEFAULT_DEADLINES[category]), **values}
            if category in DEFAULT_DEADLINES and isinstance(values, dict)
            else values
            for category, values in data["deadlines"].items()
        }
        return {**data, "deadlines": deadlines}

    def deadline(self, category: str) -> DeadlineValues:
        return self.deadlines.get(category) or DeadlineValues(**vars(DEFAULT_DEADLINES[category]))

    def handlers_required(self, category: str) -> int:
        return self.min_handlers.get(category, 2 if category in TWO_HANDLER_CATEGORIES else 1)


def _first_platform_version() -> CasePolicy:
    """The platform's first version (stored, hence never changed): 7 working days of service for
    every category — wrong for licences (10, 行政许可法 第四十四条) and for categories without
    a statutory service period. Kept as it was, since deadlines set under it name it; the
    corrected version below is in force from the day it was released (a version never
    changes, CONTRACT.md "policies")."""
    return CasePolicy(
        deadlines={
            category: DeadlineValues(
                decision_days=90 if category == "penalty" else None,
                decision_day_kind="calendar",
                service_days=7,
                service_day_kind="working",
            )
            for category in DEFAULT_DEADLINES
        }
    )


CASE_POLICIES = PolicyCatalogue(
    service="case-service",
    values_model=CasePolicy,
    defaults=(
        PolicyDefault(
            effective_from=date(2021, 7, 15),  # the revised 行政处罚法 in force
            values=_first_platform_version(),
            source=PolicySource(title="中华人民共和国行政处罚法（2021年修订）", document_number="主席令第七十号"),
        ),
        PolicyDefault(
            # CASE-9 service periods per category: 行政处罚法 第六十一条 (penalty, 7 working days),
            # 行政许可法 第四十四条 (licence, 10 working days), none where no statute sets one.
            effective_from=date(2026, 12, 1),
            values=CasePolicy(),
            source=PolicySource(
                title="中华人民共和国行政处罚法（2021年修订）；中华人民共和国行政许可法（2019年修正）",
                document_number="主席令第七十号；主席令第二十九号",
            ),
        ),
    ),
)
