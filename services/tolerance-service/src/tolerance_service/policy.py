"""tolerance-service's configurable rules as policy versions (CONTRACT.md "policies").

One template, three issuers (``../shared/seeds/README.md``): 虞乡镇 (000, 乡镇党委 decides),
隰县 (001, 单位党组), 奈曼旗市场监督管理局 (003, 局党组, and its own wording of 第十一条（三）).
Every determination is made under the version of the issuing unit in force on the
**incident date** (000 第十条（十）: 按照事发当时法律法规) and names its ``policy_id``.

The platform default (issuer null) is 隰县's county template of 2022-11-26 — the earliest
of the three. The three seed templates are preloaded as :data:`TEMPLATES` (``GET
/policy-templates``): an issuing unit adopts one by ``POST /policies`` with its values.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from enforcement_common.calendar import DayKind
from enforcement_common.policies import PolicyCatalogue, PolicyDefault, PolicySource
from tolerance_service import rules


class DecidingBody(BaseModel):
    """Who decides (TOL-14): the party committee (党委/党组) of the issuing unit, or of the
    applicant's own unit (``所在单位党组``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name_zh: str = Field(min_length=1, max_length=50, examples=["乡镇党委"])
    level: Literal["issuer", "own_unit"] = Field(
        description="issuer: the party committee of the issuing unit; own_unit: of the application's unit"
    )


class ToleranceValues(BaseModel):
    """The values of one version of the tolerance rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    template: Literal["000", "001", "003", "custom"] = Field(
        description="the seed template the version follows (../shared/seeds), or custom"
    )
    #: TOL-14: 由所在乡镇党委 / 单位党组 / 局党组统一领导.
    deciding_body: DecidingBody
    #: TOL-14: 容错决定作出后，应当于7日内告知相关单位及当事人.
    notification_days: int = Field(default=7, ge=1, le=60)
    notification_day_kind: DayKind = "calendar"
    #: TOL-17: the correction period when the decision sets none (the seed says 限期, no number).
    correction_default_days: int = Field(default=30, ge=1, le=365)
    #: TOL-17: the longest extension one request may obtain, in days past the current due date.
    correction_max_extension_days: int = Field(default=60, ge=1, le=365)
    #: TOL-18: a key with at least this many applications …
    risk_threshold: int = Field(default=3, ge=2, le=1000)
    #: … whose incidents fall within this many days is a risk point (易错风险点).
    risk_window_days: int = Field(default=90, ge=1, le=1096)
    #: TOL-19: feedback to a real-name reporter within this many days of receipt
    #: (信访工作条例 第三十二条: 60 days; the seed says 按规定).
    petition_feedback_days: int = Field(default=60, ge=1, le=180)
    petition_feedback_day_kind: DayKind = "calendar"
    #: The issuer's wording where it differs from the seed's (ground code → text).
    ground_texts: dict[str, str] = Field(default_factory=dict)

    @field_validator("ground_texts")
    @classmethod
    def _known_grounds(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - set(rules.GROUNDS) - set(rules.CONDITIONS)
        if unknown:
            raise ValueError(f"unknown ground code(s): {', '.join(sorted(unknown))}")
        if any(not text.strip() or len(text) > 500 for text in value.values()):
            raise ValueError("a ground text is 1 to 500 characters")
        return value


class PolicyTemplate(BaseModel):
    """A seed template: its values and source document."""

    id: str
    issuer_name: str
    effective_from: date | None = Field(description="the issuing date; null where the document states none")
    values: ToleranceValues
    source: PolicySource


TEMPLATES: dict[str, PolicyTemplate] = {
    "000": PolicyTemplate(
        id="000",
        issuer_name="永济市虞乡镇人民政府",
        effective_from=date(2023, 10, 25),
        values=ToleranceValues(template="000", deciding_body=DecidingBody(name_zh="乡镇党委", level="issuer")),
        source=PolicySource(title="虞乡镇综合行政执法尽职免责和容错纠错制度（试行）"),
    ),
    "001": PolicyTemplate(
        id="001",
        issuer_name="隰县人民政府办公室",
        effective_from=date(2022, 11, 26),
        values=ToleranceValues(template="001", deciding_body=DecidingBody(name_zh="单位党组", level="own_unit")),
        source=PolicySource(title="隰县行政执法尽职免责和容错纠错制度（试行）", document_number="隰政办发〔2022〕63号"),
    ),
    "003": PolicyTemplate(
        id="003",
        issuer_name="奈曼旗市场监督管理局",
        effective_from=None,  # 自印发之日起实施: the text as published carries no date
        values=ToleranceValues(
            template="003",
            deciding_body=DecidingBody(name_zh="局党组", level="issuer"),
            ground_texts={
                "TG3": "扎实推动高质量发展、衣食住行等重点工作中，敢于决策、大胆履职、攻坚克难，出现失误或偏差的"
            },
        ),
        source=PolicySource(title="奈曼旗市场监督管理局行政执法容错纠错实施办法"),
    ),
}

TOLERANCE_POLICIES = PolicyCatalogue(
    service="tolerance-service",
    values_model=ToleranceValues,
    defaults=(
        PolicyDefault(
            effective_from=TEMPLATES["001"].effective_from,
            values=TEMPLATES["001"].values,
            source=TEMPLATES["001"].source,
        ),
    ),
)
