from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from enforcement_common.contracts.case import UnitKind


class UnitCreate(BaseModel):
    code: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = Field(min_length=1, max_length=200)
    short_name: str | None = Field(
        default=None, min_length=1, max_length=20, description="used in case numbers; defaults to code"
    )
    kind: UnitKind
    parent_id: uuid.UUID | None = None
    region_code: str | None = Field(default=None, max_length=20, pattern=r"^[0-9]{6,12}$")


class UnitUpdate(BaseModel):
    @field_validator("name", "short_name")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("must not be null (omit the field to keep it)")
        return value

    name: str | None = Field(default=None, min_length=1, max_length=200)
    short_name: str | None = Field(default=None, min_length=1, max_length=20)
    parent_id: uuid.UUID | None = None
    region_code: str | None = Field(default=None, max_length=20, pattern=r"^[0-9]{6,12}$")


class UnitRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    short_name: str
    kind: UnitKind
    parent_id: uuid.UUID | None
    region_code: str | None
    version: int
    created_at: datetime
    updated_at: datetime
