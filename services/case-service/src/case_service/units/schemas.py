from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, get_args

from pydantic import AfterValidator, BaseModel, Field, field_validator

from enforcement_common.contracts.case import CaseCategory, UnitKind

#: 职责 (STAT-8): the case categories a unit is empowered to enforce; a unit without a duty for
#: a category reads 无相关职责 for it in statistics, not 0. Stored once each, in the order of
#: CaseCategory.
Duties = Annotated[
    list[CaseCategory],
    Field(max_length=6, description="职责: the case categories the unit is empowered to enforce (STAT-8)"),
    AfterValidator(lambda duties: [c for c in get_args(CaseCategory) if c in set(duties)]),
]


class UnitCreate(BaseModel):
    code: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = Field(min_length=1, max_length=200)
    short_name: str | None = Field(
        default=None, min_length=1, max_length=20, description="used in case numbers; defaults to code"
    )
    kind: UnitKind
    parent_id: uuid.UUID | None = None
    region_code: str | None = Field(default=None, max_length=20, pattern=r"^[0-9]{6,12}$")
    duties: Duties = Field(default_factory=list)


class UnitUpdate(BaseModel):
    @field_validator("name", "short_name", "duties")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("must not be null (omit the field to keep it)")
        return value

    name: str | None = Field(default=None, min_length=1, max_length=200)
    short_name: str | None = Field(default=None, min_length=1, max_length=20)
    parent_id: uuid.UUID | None = None
    region_code: str | None = Field(default=None, max_length=20, pattern=r"^[0-9]{6,12}$")
    duties: Duties | None = None


class UnitRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    short_name: str
    kind: UnitKind
    parent_id: uuid.UUID | None
    region_code: str | None
    duties: list[CaseCategory] = Field(
        description="职责: the case categories the unit is empowered to enforce (STAT-8)"
    )
    version: int
    created_at: datetime
    updated_at: datetime
