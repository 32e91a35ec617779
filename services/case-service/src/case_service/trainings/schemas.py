"""API models of /trainings (STAT-5a)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from enforcement_common.contracts import PastDate

TrainingKind = Literal["attended", "held"]


class TrainingCreate(BaseModel):
    kind: TrainingKind = Field(description="attended: an external training; held: a course this unit ran")
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=5000)
    organizer_unit_id: uuid.UUID
    start_date: PastDate
    end_date: PastDate
    hours: Decimal = Field(gt=0, le=1000, decimal_places=1)
    attendee_ids: list[uuid.UUID] = Field(max_length=2000)

    @model_validator(mode="after")
    def _dates(self) -> TrainingCreate:
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class TrainingRead(TrainingCreate):
    id: uuid.UUID
