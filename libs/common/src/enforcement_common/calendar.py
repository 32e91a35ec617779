"""Due dates in Asia/Shanghai, in calendar days or working days.

Working days come from the holiday schedule the State Council publishes each year
(statutory holidays and adjusted working days, 调休). A year **published on the
platform** (case-service's ``PUT /calendar/{year}``, applied in every service from
``calendar.year_published`` — see ``enforcement_common.holidays``) is used first;
the ``chinesecalendar`` library second, for the years it covers. A date neither
covers (typically next year before the schedule is published) raises
:class:`CalendarNotCovered`, a 422 problem, rather than silently counting weekends only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

from enforcement_common.api.problems import ProblemError

SHANGHAI = ZoneInfo("Asia/Shanghai")
DayKind = Literal["calendar", "working"]


class CalendarNotCovered(ProblemError):
    def __init__(self, day: date) -> None:
        super().__init__(
            422,
            "calendar.not_covered",
            f"{day.isoformat()} is outside the published holiday calendar; working days cannot be counted yet.",
            date=day.isoformat(),
        )
        self.day = day


def today() -> date:
    """Today's date in Asia/Shanghai (not the server's time zone)."""
    return datetime.now(SHANGHAI).date()


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class PublishedYear:
    """A year's holiday schedule as published on the platform."""

    year: int
    holidays: frozenset[date]
    adjusted_working_days: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        if day in self.adjusted_working_days:
            return True
        return day.weekday() < 5 and day not in self.holidays


class PublishedCalendar:
    """The published years one service knows: its ``calendar_years`` table, loaded at start-up
    and kept current by ``calendar.year_published`` (see ``holidays``). Each app has its own
    (``app.state.calendar``), in use for its requests, consumers and scanners."""

    def __init__(self) -> None:
        self._years: dict[int, PublishedYear] = {}

    def publish(self, year: PublishedYear) -> None:
        """Use ``year``'s published schedule from now on (it overrides the library's)."""
        self._years[year.year] = year

    def get(self, year: int) -> PublishedYear | None:
        return self._years.get(year)

    def years(self) -> dict[int, PublishedYear]:
        return dict(self._years)


_NONE_PUBLISHED = PublishedCalendar()
_in_use: ContextVar[PublishedCalendar] = ContextVar("published_calendar", default=_NONE_PUBLISHED)


def use_calendar(published: PublishedCalendar) -> Token[PublishedCalendar]:
    """Count working days by ``published`` in the current context and the tasks it starts
    from now on (``stop_using_calendar(token)`` ends it for the context; tasks keep theirs)."""
    return _in_use.set(published)


def stop_using_calendar(token: Token[PublishedCalendar]) -> None:
    _in_use.reset(token)


@contextmanager
def calendar_in_use(published: PublishedCalendar) -> Iterator[PublishedCalendar]:
    """``published`` in use within the block only."""
    token = _in_use.set(published)
    try:
        yield published
    finally:
        _in_use.reset(token)


def calendar_now_in_use() -> PublishedCalendar:
    return _in_use.get()


def is_working_day(day: date) -> bool:
    """True on working days, including adjusted working weekend days (调休上班)."""
    published = _in_use.get().get(day.year)
    if published is not None:
        return published.is_working_day(day)
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarNotCovered(day) from exc


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def due_date(start: date, days: int, kind: DayKind) -> date:
    """Deadline ``days`` after ``start``: calendar days, or working days per the holiday calendar."""
    if kind == "calendar":
        return start + timedelta(days=days)
    if kind == "working":
        return add_working_days(start, days)
    raise ValueError(f"unknown day kind {kind!r}")
