"""The holiday calendar: case-service owns it and publishes each year to every service."""

from __future__ import annotations

from datetime import date

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import errors
from case_service.calendar.schemas import CalendarYearPut, CalendarYearRead
from case_service.cases.deadlines import count_awaited_in
from case_service.events import emit
from enforcement_common.contracts.case import CalendarYearPublished
from enforcement_common.holidays import apply_year, calendar_years


def check_year(year: int, body: CalendarYearPut) -> None:
    """Every date in the year, none both off and worked, and only weekend days "worked instead"."""
    problems = []
    for field in ("holidays", "adjusted_working_days"):
        for day in getattr(body, field):
            if day.year != year:
                problems.append({"loc": ["body", field], "msg": f"{day.isoformat()} is not in {year}"})
    for day in sorted(set(body.holidays) & set(body.adjusted_working_days)):
        problems.append({"loc": ["body", "adjusted_working_days"], "msg": f"{day.isoformat()} is also a holiday"})
    for day in body.adjusted_working_days:
        if day.weekday() < 5:
            problems.append(
                {"loc": ["body", "adjusted_working_days"], "msg": f"{day.isoformat()} is a weekday (already worked)"}
            )
    if problems:
        raise errors.CALENDAR_INVALID_SCHEDULE("The schedule is not consistent.", errors=problems)


async def publish(session: AsyncSession, year: int, body: CalendarYearPut) -> CalendarYearRead:
    """Store the year, count working days by it from now on, and tell every service.
    Publishing the same schedule again changes nothing and emits nothing."""
    check_year(year, body)
    current = await read(session, year)
    if (
        current is not None
        and current.origin == "published"
        and current.holidays == sorted(set(body.holidays))
        and current.adjusted_working_days == sorted(set(body.adjusted_working_days))
        and current.source == body.source
    ):
        return current
    holidays, adjusted = sorted(set(body.holidays)), sorted(set(body.adjusted_working_days))
    await apply_year(session, year, holidays, adjusted, body.source)
    # Deadlines that awaited this year are counted now (the other services count theirs when
    # the event reaches them; case-service's own consumer of it then finds nothing left).
    await count_awaited_in(session)
    await emit(
        session,
        CalendarYearPublished(year=year, holidays=holidays, adjusted_working_days=adjusted, source=body.source),
    )
    read_back = await read(session, year)
    assert read_back is not None
    return read_back


async def read(session: AsyncSession, year: int) -> CalendarYearRead | None:
    """The published year, else the library's for the years it covers, else None."""
    row = (await session.execute(select(calendar_years).where(calendar_years.c.year == year))).first()
    if row is not None:
        return CalendarYearRead(
            year=year,
            holidays=sorted(row.holidays),
            adjusted_working_days=sorted(row.adjusted_working_days),
            source=row.source,
            origin="published",
            published_at=row.published_at,
        )
    holidays = sorted(d for d in chinese_calendar.holidays if d.year == year and d.weekday() < 5)
    worked = sorted(d for d in chinese_calendar.workdays if d.year == year and d.weekday() >= 5)
    if not holidays and not _library_covers(year):
        return None
    return CalendarYearRead(
        year=year,
        holidays=holidays,
        adjusted_working_days=worked,
        source=f"chinesecalendar {chinese_calendar.__version__}",
        origin="library",
    )


def _library_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 30))
    except NotImplementedError:
        return False
    return True
