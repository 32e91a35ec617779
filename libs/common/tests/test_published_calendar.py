"""Working days of a year published on the platform override the library's (CONTRACT.md
"calendar"); a year neither covers cannot be counted. Pure: no database, no broker."""

from __future__ import annotations

from datetime import date

import pytest

from enforcement_common.calendar import (
    CalendarNotCovered,
    PublishedCalendar,
    PublishedYear,
    calendar_in_use,
    due_date,
    is_working_day,
)

TEST_YEAR = 2101  # far beyond any library release


def test_a_year_nobody_published_cannot_be_counted() -> None:
    with pytest.raises(CalendarNotCovered):
        due_date(date(TEST_YEAR, 3, 1), 3, "working")


def test_a_published_year_counts_its_holidays_and_adjusted_working_days() -> None:
    # 2101-01-03 is a Monday. Holidays Mon–Wed; Saturday the 1st is worked instead.
    published = PublishedCalendar()
    published.publish(
        PublishedYear(
            year=TEST_YEAR,
            holidays=frozenset({date(TEST_YEAR, 1, 3), date(TEST_YEAR, 1, 4), date(TEST_YEAR, 1, 5)}),
            adjusted_working_days=frozenset({date(TEST_YEAR, 1, 1)}),
        )
    )
    assert date(TEST_YEAR, 1, 3).weekday() == 0
    with calendar_in_use(published):
        assert is_working_day(date(TEST_YEAR, 1, 1))  # Saturday, 调休上班
        assert not is_working_day(date(TEST_YEAR, 1, 2))  # Sunday
        assert not is_working_day(date(TEST_YEAR, 1, 4))  # holiday
        assert is_working_day(date(TEST_YEAR, 1, 6))
        # After Saturday the 1st: Thu 6 = 1, Fri 7 = 2.
        assert due_date(date(TEST_YEAR, 1, 1), 2, "working") == date(TEST_YEAR, 1, 7)
    with pytest.raises(CalendarNotCovered):  # only where it is in use
        is_working_day(date(TEST_YEAR, 1, 6))


def test_a_published_year_overrides_the_library() -> None:
    # 2024-10-01 is a statutory holiday in the library; a published schedule says otherwise.
    assert not is_working_day(date(2024, 10, 1))
    published = PublishedCalendar()
    published.publish(PublishedYear(year=2024, holidays=frozenset(), adjusted_working_days=frozenset()))
    with calendar_in_use(published):
        assert is_working_day(date(2024, 10, 1))
    assert not is_working_day(date(2024, 10, 1))
