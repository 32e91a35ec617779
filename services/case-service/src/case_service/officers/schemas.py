from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator, model_validator

from case_service.officers.rules import QualificationAction
from enforcement_common.contracts import BoundedDate
from enforcement_common.contracts.case import QualificationStatus, StaffType


class Certificate(BaseModel):
    number: str = Field(min_length=1, max_length=50)
    issued_on: BoundedDate
    expires_on: BoundedDate

    @model_validator(mode="after")
    def _order(self) -> Certificate:
        if self.expires_on < self.issued_on:
            raise ValueError("expires_on must not be before issued_on")
        return self


class OfficerCreate(BaseModel):
    unit_id: uuid.UUID
    name: str = Field(min_length=1, max_length=100)
    staff_type: StaffType
    position: str | None = Field(default=None, max_length=100)
    id_number: str | None = Field(
        default=None, pattern=r"^[0-9]{17}[0-9Xx]$", description="居民身份证号; masked on read for roles without need"
    )
    certificate: Certificate | None = None


class OfficerUpdate(BaseModel):
    @field_validator("name", "staff_type")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("must not be null (omit the field to keep it)")
        return value

    name: str | None = Field(default=None, min_length=1, max_length=100)
    staff_type: StaffType | None = None
    position: str | None = Field(default=None, max_length=100)
    id_number: str | None = Field(default=None, pattern=r"^[0-9]{17}[0-9Xx]$")
    certificate: Certificate | None = None


class OfficerRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    name: str
    staff_type: StaffType
    position: str | None
    id_number: str | None
    certificate: Certificate | None
    qualification_status: QualificationStatus
    restriction_basis: list[str]
    restriction_reason: str | None
    restricted_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime


class QualificationChange(BaseModel):
    action: QualificationAction
    reason: str = Field(min_length=1, max_length=1000)
    basis: list[str] = Field(default_factory=list, max_length=20, description="rule ids, e.g. REV-8, ERR-11")
    effective_on: BoundedDate | None = None


class AssessmentCreate(BaseModel):
    assessed_on: BoundedDate
    passed: bool
    note: str | None = Field(default=None, max_length=1000)


class AssessmentRead(AssessmentCreate):
    id: uuid.UUID
    officer_id: uuid.UUID
