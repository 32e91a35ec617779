"""API models of /error-cases and /appeals (错案责任倒查问责, ERR-*)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from enforcement_common.contracts import PastDate
from enforcement_common.contracts.accountability import ErrorSource, Sanction

Behaviour = Literal["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9", "L10", "L11"]
LighterGround = Literal["E1", "E2", "E3", "E4", "E5", "E6"]
HeavierGround = Literal["H1", "H2", "H3"]
Handling = Literal["exempted", "lighter", "ordinary", "heavier"]
Referral = Literal["discipline", "judicial"]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Short = Annotated[str, Field(min_length=1, max_length=200)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorCaseCreate(_Body):
    """An error case (错案) received from one of the seven sources of ERR-5."""

    source: ErrorSource
    case_id: uuid.UUID
    unit_id: uuid.UUID = Field(description="the unit whose legal body handles it (its scope)")
    description: Text
    received_on: PastDate


class Deadline(BaseModel):
    kind: str
    due_on: date | None
    status: Literal["open", "met", "met_late", "overdue", "awaiting_calendar", "lapsed"]
    days_late: int | None = None
    basis: list[str]
    policy_id: uuid.UUID | None


class Team(BaseModel):
    member_ids: list[uuid.UUID]
    appointed_by: str
    appointed_on: date


class Proposal(BaseModel):
    """The handling the findings call for (error_cases.rules.propose_handling)."""

    handling: Handling
    basis: list[str]
    explanation: str
    referral: list[Referral] = []


class RespondentRead(BaseModel):
    id: uuid.UUID
    officer_id: uuid.UUID
    behaviours: list[Behaviour]
    lighter_grounds: list[LighterGround]
    heavier_grounds: list[HeavierGround]
    facts: str | None
    proposal: Proposal
    handling: Handling | None
    departure_reasons: str | None
    sanctions: list[Sanction]
    withdrawn_sanctions: list[Sanction]
    tolerated: bool = Field(description="TOL-15: a due_diligence or exempted tolerance decision for this case")
    tolerance_application_id: uuid.UUID | None
    basis: list[str]


class ErrorCaseRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    case_id: uuid.UUID
    source: ErrorSource
    description: str
    received_on: date
    status: Literal["accepted", "transferred", "investigating", "decided", "reinvestigating", "closed"]
    remedy_id: uuid.UUID | None = Field(description="the legal remedy that opened it automatically (ERR-5 3–5)")
    deadlines: list[Deadline]
    transferred_on: date | None
    transferred_to: str | None
    team: Team | None
    decided_on: date | None
    collective_discussion_on: date | None
    is_error_case: bool | None
    referral: list[Referral]
    reinvestigation_due_on: date | None
    reinvestigation_ordered_on: date | None
    respondents: list[RespondentRead]
    version: int
    basis: list[str]
    policy_id: uuid.UUID | None


class Transfer(_Body):
    """Out of jurisdiction: transferred to the competent body (ERR-10 (一))."""

    transferred_on: PastDate
    to: Short
    reason: Text


class Investigation(_Body):
    """The investigation team appointed by the head (ERR-10 (二))."""

    member_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    appointed_by: Short
    appointed_on: PastDate


class RespondentFindings(_Body):
    officer_id: uuid.UUID
    behaviours: list[Behaviour] = Field(default=[], max_length=11)
    lighter_grounds: list[LighterGround] = Field(default=[], max_length=6)
    heavier_grounds: list[HeavierGround] = Field(default=[], max_length=3)
    facts: Text | None = None


class Findings(_Body):
    """Findings per respondent: behaviours (ERR-6), lighter grounds (ERR-8), heavier grounds (ERR-9)."""

    respondents: list[RespondentFindings] = Field(min_length=1, max_length=50)


class RespondentDetermination(_Body):
    officer_id: uuid.UUID
    handling: Handling
    sanctions: list[Sanction] = Field(default=[], max_length=6)
    reasons: Text | None = Field(default=None, description="required when the handling departs from the proposal")


class Determination(_Body):
    """The collective determination (集体讨论决定, ERR-10 (三)) with per-respondent handling and sanctions (ERR-11)."""

    decided_on: PastDate
    collective_discussion_on: PastDate
    is_error_case: bool
    respondents: list[RespondentDetermination] = Field(default=[], max_length=50)
    referral: list[Referral] = Field(default=[], max_length=2)


class ReinvestigationOrder(_Body):
    """责令重新组织调查 by the organ, within one month of the determination (ERR-10 (三))."""

    ordered_on: PastDate
    reason: Text


class AppealCreate(_Body):
    """陈述申辩 to the deciding organ, or 申诉 to the superior organ, 司法局 or 纪检监察 (ERR-12)."""

    kind: Literal["statement", "appeal"]
    appeal_to: Literal["deciding_organ", "superior_organ", "justice_bureau", "discipline_inspection"]
    statement: Text
    filed_on: PastDate


class AppealDecision(_Body):
    outcome: Literal["upheld", "changed", "revoked"]
    decided_on: PastDate
    reasons: Text
    handling: Handling | None = Field(default=None, description="the new handling when changed")
    sanctions: list[Sanction] | None = Field(default=None, description="the new sanctions when changed")

    @model_validator(mode="after")
    def _changed_names_the_new_handling(self) -> AppealDecision:
        if self.outcome == "changed" and (self.handling is None or self.sanctions is None):
            raise ValueError("a changed handling names the new handling and sanctions")
        return self


class AppealRead(BaseModel):
    id: uuid.UUID
    error_case_id: uuid.UUID
    officer_id: uuid.UUID
    unit_id: uuid.UUID
    kind: str
    appeal_to: str
    statement: str
    filed_on: date
    status: Literal["pending", "upheld", "changed", "revoked"]
    decided_on: date | None
    new_handling: Handling | None
    new_sanctions: list[Sanction] | None
    reasons: str | None
    version: int
    basis: list[str] = ["ERR-12"]
