"""API models of the holiday calendar (节假日安排) — CONTRACT.md "calendar"."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CalendarYearPut(BaseModel):
    """A year's schedule as the State Council published it."""

    model_config = ConfigDict(extra="forbid")

    holidays: list[date] = Field(max_length=366, description="days off (法定节假日 and the days joined to them)")
    adjusted_working_days: list[date] = Field(max_length=366, description="weekend days worked instead (调休上班)")
    source: str = Field(min_length=1, max_length=300, description="the notice, e.g. 国办发明电〔2026〕X号")


class CalendarYearRead(BaseModel):
    year: int
    holidays: list[date]
    adjusted_working_days: list[date]
    source: str
    origin: Literal["published", "library"] = Field(
        description="published on the platform (overrides the library), or the chinesecalendar library's"
    )
    published_at: datetime | None = None
