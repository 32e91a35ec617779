"""API models of /petitions (信访举报) and their clarifications (澄清正名), TOL-19."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from enforcement_common.contracts import PastDate
from tolerance_service.applications.schemas import Deadline
from tolerance_service.rules import PetitionOutcome


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Reporter(Strict):
    """A real-name reporter (实名举报人). Stored for feedback; readable by legal_affairs and
    discipline only, never by an officer named in the petition."""

    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, min_length=3, max_length=30)
    address: str | None = Field(default=None, max_length=300)


class PetitionCreate(Strict):
    unit_id: uuid.UUID = Field(description="the unit of the officers concerned")
    officer_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    received_on: PastDate
    summary: str = Field(min_length=1, max_length=5000, description="what is reported (no reporter identity)")
    anonymous: bool = Field(description="anonymous: no reporter identity is accepted or stored anywhere")
    reporter: Reporter | None = Field(default=None, description="required for real-name, refused for anonymous")

    @model_validator(mode="after")
    def _identity_matches_kind(self) -> PetitionCreate:
        # The message never repeats what was sent: an anonymous reporter's identity is not echoed.
        if self.anonymous and self.reporter is not None:
            raise ValueError("an anonymous petition carries no reporter identity")
        if not self.anonymous and self.reporter is None:
            raise ValueError("a real-name petition names its reporter")
        if len(set(self.officer_ids)) != len(self.officer_ids):
            raise ValueError("officer_ids must be distinct")
        return self


class OutcomeCreate(Strict):
    outcome: PetitionOutcome = Field(
        description="unfounded 不属实, unproven 查无实据, tolerated 予以容错免责, founded 属实"
    )
    concluded_on: PastDate
    findings: str = Field(min_length=1, max_length=5000)


class FeedbackCreate(Strict):
    """TOL-19: 实名举报的，按规定向举报人反馈结果；匿名举报的，在一定范围内说明情况."""

    given_on: PastDate
    content: str = Field(min_length=1, max_length=5000)
    scope: str | None = Field(
        default=None, max_length=500, description="anonymous petitions: the scope the explanation was given in"
    )


class Consent(Strict):
    given: bool = Field(description="the officer's consent to the clarification")
    given_on: PastDate


class ClarificationCreate(Strict):
    """澄清正名 for officers of a petition found unfounded or unproven, with their consent."""

    officer_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    consent: Consent
    scope: str = Field(min_length=1, max_length=500, description="在一定范围: where it is made known")
    channel: str = Field(min_length=1, max_length=200, description="适当方式: meeting, notice, letter …")
    content: str = Field(min_length=1, max_length=5000)
    issued_on: PastDate


class ClarificationRead(BaseModel):
    id: uuid.UUID
    petition_id: uuid.UUID
    officer_ids: list[uuid.UUID]
    consent_on: date
    scope: str
    channel: str
    content: str
    issued_on: date


class ReporterRead(BaseModel):
    name: str
    phone: str | None
    address: str | None


class PetitionRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    officer_ids: list[uuid.UUID]
    anonymous: bool
    reporter: ReporterRead | None = Field(
        description="real-name petitions, for legal_affairs and discipline only; otherwise null"
    )
    received_on: PastDate
    summary: str
    status: Literal["received", "concluded"]
    outcome: PetitionOutcome | None
    concluded_on: date | None
    findings: str | None
    feedback_on: date | None
    feedback_content: str | None
    explanation_scope: str | None
    clarifications: list[ClarificationRead]
    deadlines: list[Deadline]
    policy_id: uuid.UUID
    basis: list[str]
    version: int
