"""The pure counting rules of 行政执法统计 (STAT-5 … STAT-8), without I/O."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from stats_service import rules
from stats_service.rules import CaseFacts

UNIT = uuid.UUID("00000000-0000-4000-8000-000000000001")


def test_stat_7_several_kinds_count_under_the_heaviest_class_once() -> None:
    assert rules.heaviest_penalty_class(["warning", "fine"]) == "k2"
    assert rules.heaviest_penalty_class(["fine", "license_revocation", "warning"]) == "k3"
    assert rules.heaviest_penalty_class(["detention", "closure"]) == "k5"
    assert rules.heaviest_penalty_class(["other"]) == "k0"
    assert rules.heaviest_penalty_class(["other", "warning"]) == "k1"  # (6) ranks below (1)…(5)
    assert rules.heaviest_penalty_class([]) is None


def test_stat_7_every_kind_of_article_9_has_a_class() -> None:
    from typing import get_args

    from enforcement_common.contracts.case import PenaltyKind

    assert set(get_args(PenaltyKind)) == set(rules.PENALTY_CLASS)


def test_stat_7_a_case_counts_on_the_day_of_each_fact_and_amounts_at_the_decision() -> None:
    facts = CaseFacts(
        unit_id=UNIT,
        category="penalty",
        filed_on=date(2026, 1, 5),
        decided_on=date(2026, 2, 1),
        closed_on=date(2026, 3, 1),
        penalty_kinds=("fine", "warning"),
        fine_amount=Decimal("100.50"),
        hearing_held=True,
        closed_fine_amount=Decimal("999.00"),
    )
    assert rules.contributions(facts) == {
        (UNIT, date(2026, 1, 5), "penalty", "filed"): 1,
        (UNIT, date(2026, 3, 1), "penalty", "closed"): 1,
        (UNIT, date(2026, 2, 1), "penalty", "decided"): 1,
        (UNIT, date(2026, 2, 1), "penalty", "penalty:k2"): 1,
        (UNIT, date(2026, 2, 1), "penalty", "fines"): Decimal("100.50"),
        (UNIT, date(2026, 2, 1), "penalty", "hearings"): 1,
    }


def test_stat_7_without_a_decision_the_closure_amounts_count_on_the_closing_day() -> None:
    facts = CaseFacts(unit_id=UNIT, category="license", closed_on=date(2026, 3, 1), closed_fine_amount=Decimal("5"))
    assert rules.contributions(facts)[(UNIT, date(2026, 3, 1), "license", "fines")] == Decimal("5")


def test_stat_7_a_fact_applied_twice_changes_nothing_and_a_change_moves_the_count() -> None:
    filed = CaseFacts(unit_id=UNIT, category="penalty", filed_on=date(2026, 1, 5))
    assert rules.deltas(filed, filed) == {}
    moved = CaseFacts(unit_id=UNIT, category="penalty", filed_on=date(2026, 1, 6))
    assert rules.deltas(filed, moved) == {
        (UNIT, date(2026, 1, 5), "penalty", "filed"): -1,
        (UNIT, date(2026, 1, 6), "penalty", "filed"): 1,
    }
    assert rules.deltas(None, filed) == {(UNIT, date(2026, 1, 5), "penalty", "filed"): 1}


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026H1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ],
)
def test_stat_6_periods_of_a_report(period: str, first: date, last: date) -> None:
    assert rules.period_range(period) == (first, last)


@pytest.mark.parametrize("bad", ["2026Q5", "26", "2026-13", "2026H3", "2026-1"])
def test_a_malformed_period_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        rules.period_range(bad)


def test_buckets_of_the_time_groupings() -> None:
    day = date(2026, 8, 15)
    assert [rules.bucket(day, g) for g in ("day", "month", "quarter", "half", "year")] == [
        "2026-08-15",
        "2026-08",
        "2026Q3",
        "2026H2",
        "2026",
    ]


def test_stat_7_amounts_in_wan_yuan_to_four_places_exactly() -> None:
    assert rules.to_wan_yuan(Decimal("1234.56")) == Decimal("0.1235")
    assert rules.to_wan_yuan(Decimal("50000.00")) == Decimal("5.0000")
    assert rules.to_wan_yuan(Decimal("0")) == Decimal("0.0000")


def test_stat_8_no_duty_is_not_zero() -> None:
    assert rules.duty_cell(False, 0) == "无相关职责"
    assert rules.duty_cell(True, 0) == 0


def test_stat_8_holder_rate_counts_serving_officers_with_a_valid_active_certificate() -> None:
    on = date(2026, 6, 1)
    holds = rules.holds_certificate
    assert holds(on, staff_type="established", certificate_no="1", expires_on=on, qualification_status="active")
    assert not holds(
        on, staff_type="established", certificate_no="1", expires_on=date(2026, 5, 31), qualification_status="active"
    )
    assert not holds(on, staff_type="retired", certificate_no="1", expires_on=on, qualification_status="active")
    assert not holds(on, staff_type="contract", certificate_no="1", expires_on=on, qualification_status="suspended")
    assert not holds(on, staff_type="contract", certificate_no=None, expires_on=on, qualification_status="active")
    assert rules.ratio(2, 3) == Decimal("0.6667") and rules.ratio(0, 0) is None


def test_stat_6_deadline_status_keeps_a_late_submission_visible() -> None:
    due = date(2027, 1, 31)
    assert rules.deadline_status(due, None, date(2027, 1, 31)) == ("open", None)
    assert rules.deadline_status(due, None, date(2027, 2, 3)) == ("overdue", 3)
    assert rules.deadline_status(due, date(2027, 1, 30), date(2027, 5, 1)) == ("met", None)
    assert rules.deadline_status(due, date(2027, 2, 10), date(2027, 5, 1)) == ("met_late", 10)


def test_min_positions_parse_and_compare() -> None:
    wanted = rules.parse_positions("enforcement.cases.v1:2=15, enforcement.units.v1:0=3")
    assert wanted == {"enforcement.cases.v1:2": 15, "enforcement.units.v1:0": 3}
    assert rules.positions_reached({"enforcement.cases.v1:2": 15, "enforcement.units.v1:0": 9}, wanted)
    assert not rules.positions_reached({"enforcement.cases.v1:2": 14, "enforcement.units.v1:0": 9}, wanted)
    for bad in ("cases=1", "a:b=1", "a:1=x"):
        with pytest.raises(ValueError):
            rules.parse_positions(bad)


def test_content_hash_is_of_the_canonical_json() -> None:
    assert rules.content_hash({"b": 1, "a": "罚款"}) == rules.content_hash({"a": "罚款", "b": 1})
    assert rules.content_hash({"a": 1}) != rules.content_hash({"a": 2})
