"""API models of /nonrecording-findings (不记录或不如实记录, INT-12)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from enforcement_common.contracts import PastDate


class FindingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    officer_id: uuid.UUID = Field(description="the handler who did not record (or not truthfully)")
    case_id: uuid.UUID
    kind: Literal["not_recorded", "untruthful"]
    found_on: PastDate
    description: Annotated[str, Field(min_length=1, max_length=4000)]
    consequence: Literal["warning", "circulated_criticism"] | None = Field(
        default=None, description="for a first finding (default warning); from the second, discipline_referral"
    )
    instructed_by_leader_id: uuid.UUID | None = Field(
        default=None, description="the leader who instructed not to record (授意): accountable too"
    )


class FindingRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    officer_id: uuid.UUID
    case_id: uuid.UUID
    kind: str
    found_on: date
    description: str
    consequence: Literal["warning", "circulated_criticism", "discipline_referral"]
    ordinal: int = Field(description="this officer's how-many-th finding")
    instructed_by_leader_id: uuid.UUID | None
    leader_of_finding_id: uuid.UUID | None = Field(description="on a leader's finding: the finding it follows from")
    leader_finding_id: uuid.UUID | None = Field(description="the leader's own finding this one created")
    no_record_for_case: bool = Field(description="missing-record detector: the handler recorded nothing for the case")
    explanation: str
    basis: list[str]
