"""accountability-service's configurable rules as policy versions (CONTRACT.md "policies"):
ERR-10's transfer period and re-investigation window, and the due date of the quarterly
interference report — resolved by the unit and the date of the fact (acceptance,
determination, the quarter's end)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from enforcement_common.policies import PolicyCatalogue, PolicyDefault, PolicySource


class AccountabilityPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: ERR-10 (一): a matter outside the unit's jurisdiction is transferred within 2 日 of acceptance.
    transfer_days: int = Field(default=2, ge=1, le=30)
    #: Day kind of the transfer period (the platform counts short periods in working days).
    transfer_day_kind: Literal["calendar", "working"] = "working"
    #: ERR-10 (三): the organ may order a re-investigation within 1 个月 of the determination.
    reinvestigation_months: int = Field(default=1, ge=1, le=12)
    #: INT-3 reporting: a quarter's report (records or an explicit zero report) is due so many days after it.
    report_due_days: int = Field(default=10, ge=0, le=90)


ACCOUNTABILITY_POLICIES = PolicyCatalogue(
    service="accountability-service",
    values_model=AccountabilityPolicy,
    defaults=(
        PolicyDefault(
            effective_from=date(2020, 1, 1),
            values=AccountabilityPolicy(),
            source=PolicySource(
                title="行政执法错案责任倒查问责制度；内部人员干预、插手案件办理的记录、通报和责任追究制度",
                document_number=None,
            ),
        ),
    ),
)
