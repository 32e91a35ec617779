"""API models of /interference-records (干预插手记录, INT-*)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from enforcement_common.contracts import PastDate

Method = Literal["oral", "phone", "written", "in_person", "other"]
Category = Literal["I1", "I2", "I3", "I4", "I5", "I6", "other", "legitimate_guidance", "inquiry"]
StaffType = Literal["established", "contract", "retired", "former", "external"]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Short = Annotated[str, Field(min_length=1, max_length=200)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Intervener(_Body):
    """The person who intervened (干预人): an officer of the directory, or a named person with
    staff type (INT-2: 在编, 聘用, 离退休, 曾在本单位工作)."""

    officer_id: uuid.UUID | None = None
    name: Short | None = None
    staff_type: StaffType | None = None
    position: Short | None = None

    @model_validator(mode="after")
    def _someone(self) -> Intervener:
        if self.officer_id is None and (self.name is None or self.staff_type is None):
            raise ValueError("name the intervener: officer_id, or name and staff_type")
        return self


class RecordCreate(_Body):
    """What the handler records (INT-3: time, place, person, method, content) about a case."""

    case_id: uuid.UUID
    occurred_at: AwareDatetime
    place: Short
    intervener: Intervener
    method: Method
    content: Text
    category: Category = "other"
    corrects_id: uuid.UUID | None = Field(default=None, description="the record this one corrects (append-only)")


class IntervenerRead(BaseModel):
    officer_id: uuid.UUID | None
    name: str
    staff_type: str
    position: str | None


class Recorder(BaseModel):
    """Who recorded it: legal_affairs and discipline only (INT-9)."""

    sub: str
    officer_id: uuid.UUID | None
    name: str


class ActionRead(BaseModel):
    id: uuid.UUID
    kind: Literal["classification", "report", "spot_check", "referral", "retaliation", "circulation"]
    details: dict
    acted_on: date
    acted_by: str | None = Field(description="legal_affairs and discipline only")


class RecordRead(BaseModel):
    id: uuid.UUID
    seq: int | None = Field(description="chain position: integrity readers only (INT-9: no gap tells of a record)")
    unit_id: uuid.UUID
    case_id: uuid.UUID
    occurred_at: datetime
    place: str
    intervener: IntervenerRead
    method: Method
    content: str
    category: Category = Field(description="the current classification (INT-10, INT-13)")
    recorded_category: Category
    is_interference: bool
    corrects_id: uuid.UUID | None
    corrected_by_ids: list[uuid.UUID]
    recorded_at: datetime
    recorder: Recorder | None
    prev_hash: str | None = Field(
        description="integrity readers only (legal_affairs, justice_bureau, discipline, auditor, admin)"
    )
    hash: str | None = Field(description="integrity readers only")
    actions: list[ActionRead]
    basis: list[str]


class Classification(_Body):
    category: Category
    reasons: Text
    classified_on: PastDate


class Report(_Body):
    """报告: to the legal department, or directly to 司法局 (INT-3)."""

    to: Literal["legal_department", "justice_bureau"]
    reported_on: PastDate
    note: Text | None = None


class SpotCheck(_Body):
    """抽查 by the legal body (INT-4); a lead goes to the head, and may go to 司法局."""

    checked_on: PastDate
    result: Literal["confirmed", "unfounded", "lead"]
    note: Text
    transferred_to_justice_bureau: bool = False


class Referral(_Body):
    """移送: discipline to 纪检, crime to the judicial organs (INT-11)."""

    to: Literal["discipline", "judicial"]
    referred_on: PastDate
    reason: Text


class Retaliation(_Body):
    """打击报复 against the recorder, recorded as its own finding and referred (INT-11)."""

    found_on: PastDate
    description: Text
    by_officer_id: uuid.UUID | None = None
    referred_to: Literal["discipline", "judicial"] = "discipline"


class Circulation(_Body):
    """通报 after approval (INT-10)."""

    approved_by: Short
    circulated_on: PastDate


class VerifyReport(BaseModel):
    valid: bool
    count: int
    head_hash: str
    first_bad_id: uuid.UUID | None
    extends_checkpoint: bool | None = Field(
        description="with count and head_hash: the register extends that checkpoint"
    )
    problems: list[str]
    basis: list[str] = ["INT-3"]


class CheckpointRead(BaseModel):
    id: uuid.UUID
    count: int
    head_hash: str
    signed_at: datetime
    key_id: str
    signature: str = Field(description="Ed25519 over 'interference-register|{count}|{head_hash}|{signed_at}', base64")


class CheckpointKey(BaseModel):
    key_id: str
    algorithm: Literal["Ed25519"] = "Ed25519"
    public_key: str = Field(description="raw 32-byte public key, base64")
