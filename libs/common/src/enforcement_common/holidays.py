"""The published holiday calendar in every service (CONTRACT.md "calendar").

Each app keeps its :class:`~enforcement_common.calendar.PublishedCalendar` in
``app.state.calendar``, in use (a context variable) for its requests, consumers and
scanners — so two services in one process (tests) never count by each other's years.

case-service owns the schedule (``PUT /calendar/{year}``) and publishes
``calendar.year_published``; every service applies it to its own ``calendar_years``
table (:func:`register_calendar`, wired by the app factory) and to the process's
working-day arithmetic (``enforcement_common.calendar``). Each process also reloads the
table at start-up and periodically (:func:`load_published_years`), since a consumer
group hands each event to one replica only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, Table, Text, select, text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from enforcement_common.calendar import PublishedCalendar, PublishedYear, calendar_now_in_use
from enforcement_common.contracts.case import CalendarYearPublished
from enforcement_common.events.consumer import ConsumerRunner, ReceivedEvent

__all__ = ["CalendarHook", "apply_year", "calendar_years", "load_published_years", "register_calendar"]

metadata = MetaData()

calendar_years = Table(
    "calendar_years",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("holidays", ARRAY(Date), nullable=False),
    Column("adjusted_working_days", ARRAY(Date), nullable=False),
    Column("source", Text, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

#: Called in the event's transaction once a year is applied (e.g. to count deadlines that
#: awaited that year's calendar).
CalendarHook = Callable[[AsyncSession, PublishedYear], Awaitable[None]]


def _published(year: int, holidays: list[date], adjusted: list[date]) -> PublishedYear:
    return PublishedYear(year=year, holidays=frozenset(holidays), adjusted_working_days=frozenset(adjusted))


async def apply_year(
    session: AsyncSession, year: int, holidays: list[date], adjusted_working_days: list[date], source: str
) -> PublishedYear:
    """Store the year's schedule (replacing a previous publication of it) and use it from now on."""
    values = {
        "holidays": sorted(holidays),
        "adjusted_working_days": sorted(adjusted_working_days),
        "source": source,
        "published_at": text("now()"),
    }
    await session.execute(
        insert(calendar_years)
        .values(year=year, **values)
        .on_conflict_do_update(index_elements=[calendar_years.c.year], set_=values)
    )
    published = _published(year, holidays, adjusted_working_days)
    calendar_now_in_use().publish(published)
    return published


async def load_published_years(sessions: async_sessionmaker[AsyncSession], into: PublishedCalendar) -> int:
    """Use every year stored in the service's table (start-up and periodic refresh)."""
    async with sessions() as session:
        rows = (await session.execute(select(calendar_years))).all()
    for row in rows:
        into.publish(_published(row.year, row.holidays, row.adjusted_working_days))
    return len(rows)


def register_calendar(runner: ConsumerRunner, hooks: tuple[CalendarHook, ...] = ()) -> None:
    """Apply ``calendar.year_published`` to the service's table and arithmetic, then run ``hooks``."""

    @runner.on(CalendarYearPublished)
    async def on_year_published(session: AsyncSession, event: ReceivedEvent[CalendarYearPublished]) -> None:
        data = event.data
        published = await apply_year(session, data.year, data.holidays, data.adjusted_working_days, data.source)
        for hook in hooks:
            await hook(session, published)
