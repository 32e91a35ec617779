"""Working days of a year published on the platform override the library's (CONTRACT.md
"calendar"); a year neither covers cannot be counted. Pure: no database, no broker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from enforcement_common import calendar
from enforcement_common.calendar import CalendarNotCovered, PublishedYear, due_date, is_working_day, publish_year

TEST_YEAR = 2101  # far beyond any library release


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    saved = calendar.published_years()
    yield
    calendar._published.clear()
    calendar._published.update(saved)


def test_a_year_nobody_published_cannot_be_counted() -> None:
    with pytest.raises(CalendarNotCovered):
        due_date(date(TEST_YEAR, 3, 1), 3, "working")


def test_a_published_year_counts_its_holidays_and_adjusted_working_days() -> None:
    # 2101-01-03 is a Monday. Holidays Mon–Wed; the Saturday before is worked instead.
    publish_year(
        PublishedYear(
            year=TEST_YEAR,
            holidays=frozenset({date(TEST_YEAR, 1, 3), date(TEST_YEAR, 1, 4), date(TEST_YEAR, 1, 5)}),
            adjusted_working_days=frozenset({date(TEST_YEAR, 1, 1)}),
        )
    )
    assert date(TEST_YEAR, 1, 3).weekday() == 0
    assert is_working_day(date(TEST_YEAR, 1, 1))  # Saturday, 调休上班
    assert not is_working_day(date(TEST_YEAR, 1, 2))  # Sunday
    assert not is_working_day(date(TEST_YEAR, 1, 4))  # holiday
    assert is_working_day(date(TEST_YEAR, 1, 6))
    # From Friday 2100-12-31 (library-less too, but the start day itself is not counted):
    # Sat 1 (worked) = 1, Thu 6 = 2, Fri 7 = 3.
    assert due_date(date(TEST_YEAR, 1, 1), 2, "working") == date(TEST_YEAR, 1, 7)


def test_a_published_year_overrides_the_library() -> None:
    # 2024-10-01 is a statutory holiday in the library; a published schedule says otherwise.
    assert not is_working_day(date(2024, 10, 1))
    publish_year(PublishedYear(year=2024, holidays=frozenset(), adjusted_working_days=frozenset()))
    assert is_working_day(date(2024, 10, 1))
