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
