"""stats-service's configurable rules as policy versions (CONTRACT.md "policies"): the due date
of the annual report (STAT-6: 31 January of the next year), resolved for the unit and the
last day of the year reported."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from enforcement_common.policies import PolicyCatalogue, PolicyDefault, PolicySource


class StatsPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: STAT-6: the annual report of a year is due on this month and day of the next year.
    annual_report_due_month: int = Field(default=1, ge=1, le=12)
    annual_report_due_day: int = Field(default=31, ge=1, le=31)


STATS_POLICIES = PolicyCatalogue(
    service="stats-service",
    values_model=StatsPolicy,
    defaults=(
        PolicyDefault(
            effective_from=date(2019, 1, 1),  # 国办发〔2018〕118号 practice: annual report by 31 January
            values=StatsPolicy(),
            source=PolicySource(
                title="隰县行政执法统计制度；行政执法统计年报制度", document_number="国办发〔2018〕118号"
            ),
        ),
    ),
)
