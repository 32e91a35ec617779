"""Routes of /calendar: the holiday schedule per year (CONTRACT.md "calendar")."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from case_service import errors
from case_service.calendar import service
from case_service.calendar.schemas import CalendarYearPut, CalendarYearRead
from case_service.deps import AdminCaller, AnyCaller
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep, problem
from enforcement_common.api.transaction import ServiceRouter

router = ServiceRouter(prefix="/calendar", tags=["calendar"], responses=COMMON_RESPONSES)
Year = Annotated[int, Path(ge=1900, le=2200)]


@router.get("/{year}", response_model=CalendarYearRead, responses=NOT_FOUND)
async def read_calendar_year(year: Year, _: AnyCaller, session: SessionDep) -> CalendarYearRead:
    """The year's holidays and adjusted working days: published on the platform, else the library's."""
    found = await service.read(session, year)
    if found is None:
        raise errors.CALENDAR_NOT_PUBLISHED(f"No holiday schedule for {year} yet.")
    return found


@router.put(
    "/{year}",
    response_model=CalendarYearRead,
    responses={422: problem("A date outside the year, a day both off and worked, or a weekday 'worked instead'")},
)
async def publish_calendar_year(
    year: Year, body: CalendarYearPut, _: AdminCaller, session: SessionDep
) -> CalendarYearRead:
    """Publish the year's schedule (admin): every service counts working days of that year by
    it (calendar.year_published); deadlines that awaited it are counted."""
    return await service.publish(session, year, body)
