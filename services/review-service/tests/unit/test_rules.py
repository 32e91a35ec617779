"""Pure rules of case-file review (案卷评查)."""

from __future__ import annotations

from datetime import date

import pytest

from review_service import rules

ALL_MET = dict.fromkeys(rules.BASIC_STANDARDS, True)


def test_REV_5_self_review_due_30_days_after_closure() -> None:
    assert rules.obligation_due(date(2026, 11, 21)) == date(2026, 12, 21)
    assert rules.obligation_due(date(2026, 12, 15)) == date(2027, 1, 14)


def test_REV_12_only_reconsideration_and_litigation_exclude() -> None:
    assert rules.excludes_review("reconsideration") and rules.excludes_review("litigation")
    assert not rules.excludes_review("compensation")


@pytest.mark.parametrize("failed", rules.BASIC_STANDARDS)
def test_REV_13_any_failed_basic_standard_scores_zero_and_is_unqualified(failed) -> None:
    basic = {**ALL_MET, failed: False}
    assert rules.score(basic, {}) == 0
    assert rules.grade(rules.score(basic, {}), basic_ok=False) == "unqualified"
    assert rules.grade(100, basic_ok=False) == "unqualified", "a basic failure can never be graded qualified"


def test_REV_14_deductions_per_stage_are_subtracted_from_100() -> None:
    assert rules.score(ALL_MET, {"filing": 2, "investigation": 3.5, "archiving": 1}) == 93  # 93.5, rounded down
    assert rules.score(ALL_MET, {"filing": 40.5}) == 59, "59.5 is not qualified"
    assert rules.score(ALL_MET, {"filing": 10.5}) == 89, "89.5 is not excellent"
    assert rules.score(ALL_MET, {"decision": 150}) == 0


def test_REV_15_default_bands_and_configured_bands() -> None:
    assert [rules.grade(p, True) for p in (100, 90, 89, 60, 59, 0)] == [
        "excellent",
        "excellent",
        "qualified",
        "qualified",
        "unqualified",
        "unqualified",
    ]
    strict = rules.GradeBands(excellent=95, qualified=70)
    assert rules.grade(94, True, strict) == "qualified" and rules.grade(69, True, strict) == "unqualified"


def test_REV_8_consequences_with_at_most_ten_lead_cases() -> None:
    assert rules.consequence(10, 0) == "none"
    assert rules.consequence(10, 1) == "criticism"
    assert rules.consequence(10, 2) == "no_commendation"
    assert rules.consequence(10, 3) == "suspension"
    assert rules.consequence(3, 5) == "suspension"


def test_REV_8_more_than_ten_lead_cases_is_manual_by_default_configurable() -> None:
    assert rules.consequence(11, 1) == "manual_review"
    assert rules.consequence(11, 3) == "manual_review"
    assert rules.consequence(11, 0) == "none"
    assert rules.consequence(11, 3, above_ten="seed_table") == "suspension"


# --- issue 11: REV-12 by filing date, REV-8 withdrawal, REV-5 late transfer, REV-6/10/11/17 ---


def test_REV_12_a_remedy_filed_before_completion_voids_one_filed_after_does_not() -> None:
    completed = date(2026, 12, 1)
    assert rules.remedy_voids_completed_review(date(2026, 11, 5), completed)  # filed before, recorded after
    assert rules.remedy_voids_completed_review(date(2026, 12, 1), completed), "the same day counts as before"
    assert not rules.remedy_voids_completed_review(date(2026, 12, 2), completed)
    assert not rules.remedy_voids_completed_review(None, completed), "no filing date known: the review stands"


def test_REV_8_levels_no_longer_reached_are_withdrawn_highest_first() -> None:
    announced = ["criticism", "no_commendation", "suspension"]
    assert rules.levels_to_withdraw(announced, 8, 2) == ["suspension"]
    assert rules.levels_to_withdraw(announced, 8, 0) == ["suspension", "no_commendation", "criticism"]
    assert rules.levels_to_withdraw(announced, 8, 3) == [], "still three unqualified files: nothing withdrawn"
    # Above ten lead cases: the count, not the manual flag, decides whether a suspension still stands.
    assert rules.levels_to_withdraw([*announced, "manual_review"], 11, 2) == ["suspension"]
    assert rules.levels_to_withdraw(["manual_review"], 11, 1) == []
    assert rules.levels_to_withdraw(["manual_review"], 11, 0) == ["manual_review"]


def test_REV_5_transfer_dates_and_the_deadline_after_a_late_transfer() -> None:
    closed, due, today_ = date(2026, 10, 1), date(2026, 10, 31), date(2026, 12, 1)
    assert rules.transfer_date_problem(date(2026, 12, 2), closed, today_, None) == "submitted_on is in the future."
    assert "earlier than the closure" in rules.transfer_date_problem(date(2026, 9, 30), closed, today_, None)
    assert rules.transfer_date_problem(date(2026, 10, 20), closed, today_, None) is None
    # Once recorded overdue (on 2026-11-01), a transfer cannot be back-dated before that record.
    assert "recorded untransferred" in rules.transfer_date_problem(
        date(2026, 10, 20), closed, today_, date(2026, 11, 1)
    )
    assert rules.transfer_date_problem(date(2026, 11, 1), closed, today_, date(2026, 11, 1)) is None
    assert rules.transfer_days_late(date(2026, 10, 31), due) is None
    assert rules.transfer_days_late(date(2026, 11, 10), due) == 10
    assert rules.transfer_deadline(due, date(2026, 11, 10), today_) == ("met_late", 10), "the breach stays visible"
    assert rules.transfer_deadline(due, date(2026, 10, 30), today_) == ("met", None)
    assert rules.transfer_deadline(due, None, today_) == ("overdue", 31)
    assert rules.transfer_deadline(due, None, date(2026, 10, 31)) == ("open", None)
    assert rules.transfer_deadline(due, None, today_, excluded=True) == ("lapsed", None)


def test_REV_7_an_unqualified_file_lists_at_least_one_problem() -> None:
    assert not rules.problems_listed([]) and not rules.problems_listed(["  "])
    assert rules.problems_listed(["送达回证缺失"])


def test_REV_6_REV_17_rate_against_the_policy_target() -> None:
    assert rules.meets_rate_target(1.0, 100) is True and rules.meets_rate_target(0.9999, 100) is False
    assert rules.meets_rate_target(None, 100) is None
    assert rules.rev17_flag(0.5, 100) is True, "below the target, not only zero reviews"
    assert rules.rev17_flag(0.0, 100) is True and rules.rev17_flag(0.5, 50) is False
    assert rules.rev17_flag(None, 100) is False, "nothing fell due: nothing to flag"


def test_REV_6_periods_year_half_year_quarter() -> None:
    assert rules.period_bounds("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    assert rules.period_bounds("2026H2") == (date(2026, 7, 1), date(2026, 12, 31))
    assert rules.period_bounds("2026Q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert rules.period_bounds("2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    for bad in ("2026Q5", "2026H3", "26", "2026-03"):
        with pytest.raises(ValueError):
            rules.period_bounds(bad)


def test_REV_10_a_year_ended_without_inspection_is_flagged() -> None:
    assert rules.inspection_missing(2025, 0, date(2026, 1, 1)) is True
    assert rules.inspection_missing(2025, 1, date(2026, 1, 1)) is False
    assert rules.inspection_missing(2026, 0, date(2026, 12, 31)) is None, "the year is still running"


def test_REV_11_self_review_quality_matches_the_self_review_record() -> None:
    assert rules.self_review_quality_consistent("not_done", False)
    assert not rules.self_review_quality_consistent("not_done", True)
    assert rules.self_review_quality_consistent("good", True) and rules.self_review_quality_consistent(
        "deficient", True
    )
    assert not rules.self_review_quality_consistent("good", False)
