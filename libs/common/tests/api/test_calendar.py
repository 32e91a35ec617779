"""Due dates in Asia/Shanghai from the published holiday calendar (chinesecalendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from enforcement_common.calendar import CalendarNotCovered, add_working_days, due_date, is_working_day, local_date


@pytest.mark.unit
def test_spring_festival_2026_is_skipped_and_adjusted_saturdays_count() -> None:
    # 2026: Sat 14 Feb is an adjusted working day (调休上班); 15–23 Feb are holidays; Sat 28 Feb works.
    assert is_working_day(date(2026, 2, 14)) and is_working_day(date(2026, 2, 28))
    assert not any(is_working_day(date(2026, 2, d)) for d in range(15, 24))
    # Served within 7 working days of a decision taken on Thu 12 Feb 2026:
    # 13 (1), Sat 14 (2), 24 (3), 25 (4), 26 (5), 27 (6), Sat 28 (7).
    assert add_working_days(date(2026, 2, 12), 7) == date(2026, 2, 28)
    assert due_date(date(2026, 2, 12), 7, "working") == date(2026, 2, 28)


@pytest.mark.unit
def test_plain_weekends_are_not_working_days() -> None:
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Fri → Mon
    assert add_working_days(date(2026, 11, 21), 0) == date(2026, 11, 21)


@pytest.mark.unit
def test_national_day_golden_week_2026() -> None:
    # 1–7 Oct 2026 are holidays (国庆节、中秋节); the 30-day calendar count ignores them.
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 7), 3) == date(2026, 10, 10)  # Sat 10 Oct is an adjusted working day
    assert due_date(date(2026, 9, 30), 30, "calendar") == date(2026, 10, 30)


@pytest.mark.unit
def test_calendar_days_cross_years() -> None:
    assert due_date(date(2026, 12, 20), 30, "calendar") == date(2027, 1, 19)


@pytest.mark.unit
def test_dates_the_library_does_not_cover_are_a_clear_error() -> None:
    with pytest.raises(CalendarNotCovered) as caught:
        add_working_days(date(2026, 12, 30), 5)
    assert caught.value.status == 422 and caught.value.code == "calendar.not_covered"
    assert caught.value.day.year == 2027


@pytest.mark.unit
def test_shanghai_date_of_a_moment() -> None:
    assert local_date(datetime(2026, 11, 20, 17, 30, tzinfo=UTC)) == date(2026, 11, 21)
    with pytest.raises(ValueError):
        local_date(datetime(2026, 11, 20, 17, 30))


@pytest.mark.unit
def test_negative_days_and_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        due_date(date(2026, 1, 5), 1, "lunar")  # type: ignore[arg-type]


async def test_calendar_error_reaches_the_client_as_a_problem(client, auth_for) -> None:
    ok = await client.get(
        "/api/v1/due", params={"start": "2026-02-12", "days": 7, "kind": "working"}, headers=auth_for("officer")
    )
    assert ok.json()["due_on"] == "2026-02-28" and ok.json()["basis"] == ["CASE-9"]
    outside = await client.get(
        "/api/v1/due", params={"start": "2027-03-01", "days": 3, "kind": "working"}, headers=auth_for("officer")
    )
    assert (
        outside.status_code == 422
        and outside.json()["code"] == "calendar.not_covered"
        and outside.json()["date"] == "2027-03-02"
    )
