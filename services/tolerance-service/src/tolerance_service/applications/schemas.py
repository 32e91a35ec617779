"""API models of /applications: the claim, the recommendation, the investigation and the decision."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from enforcement_common.calendar import today
from enforcement_common.contracts import BoundedDate, PastDate
from tolerance_service.rules import DeadlineStatus, DecisionOutcome, LossLevel, MitigationKind, Outcome, deadline_status

DueDiligenceCode = Literal["DD1", "DD2", "DD3", "DD4", "DD5", "DD6", "DD7", "DD8", "DD9", "DD10", "DD11"]
ToleranceCode = Literal["TG1", "TG2", "TG3", "TG4", "TG5", "TG6", "TG7", "TG8", "TG9"]
MitigationCode = Literal["MG1", "MG2", "MG3"]

_TEXT = Field(min_length=1, max_length=5000)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Grounds(Strict):
    """第十条 DD1–DD11 (TOL-10), 第十一条 TG1–TG9 (TOL-11), 第十二条 MG1–MG3 (TOL-12)."""

    due_diligence: list[DueDiligenceCode] = Field(default_factory=list, max_length=11)
    tolerance: list[ToleranceCode] = Field(default_factory=list, max_length=9)
    mitigation: list[MitigationCode] = Field(default_factory=list, max_length=3)


class Conditions(Strict):
    """第十一条第二款: C1 法律没有明令禁止, C2 没有造成重大损失和严重不良影响, C3 积极主动消除不良影响、挽回损失."""

    C1: bool = False
    C2: bool = False
    C3: bool = False


class Exclusions(Strict):
    """第十三条 (TOL-13): 违反法定的职责范围 / 违反法定程序."""

    outside_statutory_duty: bool = False
    violated_statutory_procedure: bool = False


class ApplicationCreate(Strict):
    unit_id: uuid.UUID = Field(description="the unit of the officers concerned (in the caller's scope)")
    officer_ids: list[uuid.UUID] = Field(min_length=1, max_length=50, description="officers concerned (directory)")
    case_id: uuid.UUID | None = Field(default=None, description="the case (directory), of the unit or a unit below")
    initiated_by: Literal["self", "unit"] = Field(
        description="self: an officer concerned applies directly (个人申请); unit: the unit starts it (TOL-14)"
    )
    incident_on: PastDate = Field(description="the day it happened: the policy in force that day applies")
    description: str = _TEXT
    loss_level: LossLevel
    grounds: Grounds = Field(default_factory=Grounds)
    conditions: Conditions = Field(default_factory=Conditions)
    exclusions: Exclusions = Field(default_factory=Exclusions)

    @model_validator(mode="after")
    def _distinct_officers(self) -> ApplicationCreate:
        if len(set(self.officer_ids)) != len(self.officer_ids):
            raise ValueError("officer_ids must be distinct")
        return self


class RecommendationRead(BaseModel):
    outcome: Outcome
    basis: list[str]
    explanation: str = Field(description="a sentence per ground, zh-CN, naming its article")
    policy_id: uuid.UUID = Field(description="the policy version (GET /policies/{id}) in force on incident_on")
    mitigation_kinds: list[MitigationKind] = Field(description="for mitigated: 从轻 (lighter) or 减轻 (reduced)")


class InvestigationCreate(Strict):
    """调查核实: the verified facts and grounds; the recommendation is recomputed on them."""

    investigated_on: PastDate
    facts: str = _TEXT
    loss_level: LossLevel
    grounds: Grounds = Field(default_factory=Grounds)
    conditions: Conditions = Field(default_factory=Conditions)
    exclusions: Exclusions = Field(default_factory=Exclusions)


class InvestigationRead(BaseModel):
    investigated_on: date
    facts: str
    loss_level: LossLevel
    grounds: Grounds
    conditions: Conditions
    exclusions: Exclusions
    investigated_by: str


class Deliberation(Strict):
    """TOL-14: 结合主观、客观条件、程序方法、性质程度、后果影响以及挽回损失等情况进行综合分析研判."""

    subjective_objective: str = Field(min_length=1, max_length=2000, description="主观、客观条件")
    procedure_method: str = Field(min_length=1, max_length=2000, description="程序方法")
    nature_degree: str = Field(min_length=1, max_length=2000, description="性质程度")
    consequences_impact: str = Field(min_length=1, max_length=2000, description="后果影响")
    loss_recovered: str = Field(min_length=1, max_length=2000, description="挽回损失")


class CorrectionOrder(Strict):
    """TOL-17: 说明纠错事由，明确纠错事项，提出纠错要求或者建议，责成限期纠正."""

    reason: str = Field(min_length=1, max_length=2000)
    items: list[str] = Field(min_length=1, max_length=50)
    requirements: str = Field(min_length=1, max_length=5000)
    due_on: BoundedDate | None = Field(default=None, description="default: decided_on + the policy's correction period")


class DecisionCreate(Strict):
    outcome: DecisionOutcome
    mitigation_kind: MitigationKind | None = Field(default=None, description="required for mitigated (TOL-12)")
    decided_on: PastDate
    reasons: str | None = Field(
        default=None, max_length=5000, description="required when departing from the recommendation"
    )
    publication_scope: str = Field(min_length=1, max_length=500, description="一般应在一定范围内公开: the scope")
    deliberation: Deliberation
    correction: CorrectionOrder | None = Field(
        default=None, description="required for due_diligence and exempted: 纠错 starts at the same time (TOL-16)"
    )


class NotificationCreate(Strict):
    """TOL-14: 应当于7日内告知相关单位及当事人."""

    notified_on: PastDate
    recipients: list[str] = Field(min_length=1, max_length=50)


class Deadline(BaseModel):
    kind: Literal["notification", "correction", "petition_feedback"]
    due_on: date
    status: DeadlineStatus
    days_late: int | None = None
    met_on: date | None
    basis: list[str]
    policy_id: uuid.UUID

    @classmethod
    def of(cls, kind: str, due_on: date, met_on: date | None, rule: str, policy_id: uuid.UUID) -> Deadline:
        """The deadline as of today: a breach stays visible after it is cured (``met_late``)."""
        status, days_late = deadline_status(due_on, met_on, today())
        return cls(
            kind=kind,
            due_on=due_on,
            status=status,
            days_late=days_late,
            met_on=met_on,
            basis=[rule],
            policy_id=policy_id,
        )


class DecisionRead(BaseModel):
    outcome: DecisionOutcome
    mitigation_kind: MitigationKind | None
    decided_on: date
    reasons: str | None
    publication_scope: str
    deliberation: Deliberation
    basis: list[str]
    decided_by: str
    policy_id: uuid.UUID = Field(description="the version in force on incident_on the decision was made under")
    departs_from_recommendation: bool
    #: TOL-15: an officer granted tolerance is not counted as an enforcement error.
    not_an_enforcement_error: bool


class ApplicationRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    officer_ids: list[uuid.UUID]
    case_id: uuid.UUID | None
    initiated_by: Literal["self", "unit"]
    incident_on: date
    applied_on: date
    description: str
    loss_level: LossLevel
    grounds: Grounds
    conditions: Conditions
    exclusions: Exclusions
    status: Literal["submitted", "investigated", "decided"]
    policy_id: uuid.UUID
    deciding_body: str = Field(description="乡镇党委 / 单位党组 / 局党组 … as the policy names it (TOL-14)")
    deciding_unit_id: uuid.UUID
    recommendation: RecommendationRead = Field(description="on the claimed grounds")
    investigation: InvestigationRead | None
    verified_recommendation: RecommendationRead | None = Field(description="on the verified grounds")
    decision: DecisionRead | None
    notified_on: date | None
    notification_recipients: list[str] | None
    correction_id: uuid.UUID | None
    deadlines: list[Deadline]
    version: int
