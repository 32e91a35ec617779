"""Pure rules of case-service (no I/O): lifecycle, handlers, deadlines, qualification."""

from __future__ import annotations

from datetime import date

import pytest

from case_service.cases import rules
from case_service.officers import rules as officer_rules

TWO = frozenset({"penalty", "coercion"})


def test_CASE_1_categories_are_the_six_of_the_regulations() -> None:
    assert set(rules.DEFAULT_DEADLINES) == {"penalty", "license", "coercion", "inspection", "levy", "requisition"}


def test_CASE_2_the_main_path_runs_filing_to_archive() -> None:
    status = "filed"
    for action in ("investigation", "legal-review", "decision", "service", "execution", "closure", "archive"):
        status = rules.next_status(action, status)
        assert status is not None, action
    assert status == "archived"


@pytest.mark.parametrize("status", rules.STATUSES)
@pytest.mark.parametrize("action", rules.ACTIONS)
def test_CASE_2_every_action_from_every_status_is_defined_or_refused(status, action) -> None:
    after = rules.next_status(action, status)
    assert (after is not None) == (action in rules.allowed_actions(status))
    if status in ("archived", "transferred", "withdrawn"):
        assert after is None, "terminal statuses allow nothing"


def test_CASE_2_only_inspections_close_straight_from_investigation() -> None:
    assert rules.next_status("closure", "investigating", "inspection") == "closed"
    assert rules.next_status("closure", "investigating", "penalty") is None
    assert "closure" in rules.allowed_actions("investigating", "inspection")
    assert "closure" not in rules.allowed_actions("investigating", "penalty")


def test_CASE_4_major_decisions_need_an_approved_legal_review() -> None:
    assert rules.decision_blocked_by_missing_legal_review(is_major=True, legal_review_approved=False)
    assert not rules.decision_blocked_by_missing_legal_review(is_major=True, legal_review_approved=True)
    assert not rules.decision_blocked_by_missing_legal_review(is_major=False, legal_review_approved=False)
    assert rules.legal_review_outcome("returned") == "investigating"


def test_CASE_3_unqualified_handlers_are_named() -> None:
    check = rules.check_handlers({"a": "active", "b": "suspended", "c": "uncertified"}, "license", TWO)
    assert check.unqualified == ["b", "c"]
    assert rules.check_handlers({"a": "active"}, "license", TWO).unqualified == []


def test_CASE_9_two_certified_handlers_for_penalty_and_coercion() -> None:
    assert rules.check_handlers({"a": "active"}, "penalty", TWO).too_few
    assert not rules.check_handlers({"a": "active", "b": "active"}, "penalty", TWO).too_few
    assert rules.check_handlers({"a": "active"}, "coercion", TWO).too_few
    assert not rules.check_handlers({"a": "active"}, "inspection", TWO).too_few


def test_CASE_9_deadlines_90_calendar_days_and_7_working_days() -> None:
    penalty = rules.DEFAULT_DEADLINES["penalty"]
    assert rules.decision_due(date(2026, 3, 2), penalty) == date(2026, 5, 31)
    assert rules.decision_due(date(2026, 3, 2), rules.DEFAULT_DEADLINES["license"]) is None
    # Decided Thu 12 Feb 2026: the Spring Festival is skipped, adjusted Saturdays count.
    assert rules.service_due(date(2026, 2, 12), penalty) == date(2026, 2, 28)
    assert rules.deadline_status(date(2026, 2, 28), None, date(2026, 3, 1)) == "overdue"
    assert rules.deadline_status(date(2026, 2, 28), None, date(2026, 2, 28)) == "open"
    # Served 5 Mar for a 28 Feb deadline: a breach, visible after the cure (was asserted "met").
    assert rules.deadline_status(date(2026, 2, 28), date(2026, 3, 5), date(2026, 3, 9)) == "met_late"
    assert rules.deadline_status(date(2026, 2, 28), date(2026, 2, 28), date(2026, 3, 9)) == "met"


def test_case_9_late_deadline_reads_met_late_with_days_late() -> None:
    due = date(2026, 11, 1)
    # Decided a month late (the example): met_late for good, 30 days late.
    assert rules.deadline_status(due, date(2026, 12, 1), date(2026, 12, 1)) == "met_late"
    assert rules.days_late(due, date(2026, 12, 1), date(2027, 6, 1)) == 30, "fixed once met"
    # On the last day: met, not late.
    assert rules.deadline_status(due, due, date(2026, 12, 1)) == "met"
    assert rules.days_late(due, due, date(2026, 12, 1)) is None
    # Still open past the day: overdue, days late growing with today.
    assert rules.deadline_status(due, None, date(2026, 11, 4)) == "overdue"
    assert rules.days_late(due, None, date(2026, 11, 4)) == 3
    assert rules.days_late(due, None, date(2026, 11, 1)) is None, "open on its last day"
    # Met late even when the case has ended since: the breach does not lapse.
    assert rules.deadline_status(due, date(2026, 11, 2), date(2026, 12, 1), "closed") == "met_late"
    assert rules.deadline_status(due, None, date(2026, 12, 1), "withdrawn") == "lapsed"
    assert rules.days_late(due, None, date(2026, 12, 1), "withdrawn") is None
    # A day not yet countable is neither late nor breached.
    assert rules.deadline_status(None, date(2026, 11, 2), date(2026, 12, 1)) == "met"
    assert not rules.is_breached(None, date(2026, 12, 1))
    assert set(rules.DEADLINE_STATUSES) == {"open", "met", "met_late", "overdue", "awaiting_calendar", "lapsed"}


def test_case_9_breach_is_the_day_after_due_on() -> None:
    assert not rules.is_breached(date(2026, 11, 1), date(2026, 11, 1))
    assert rules.is_breached(date(2026, 11, 1), date(2026, 11, 2))


def test_case_9_service_periods_per_category_by_statute() -> None:
    penalty, license = rules.DEFAULT_DEADLINES["penalty"], rules.DEFAULT_DEADLINES["license"]
    # 行政处罚法 第六十一条: 7 working days; 行政许可法 第四十四条: 10 working days.
    assert (penalty.service_days, penalty.service_day_kind) == (7, "working")
    assert (license.service_days, license.service_day_kind) == (10, "working")
    # Decided Thu 12 Feb 2026 (Spring Festival 15–23 Feb off, Sat 14 and Sat 28 Feb worked):
    # 7 working days end Sat 28 Feb, 10 end Wed 4 Mar.
    assert rules.service_due(date(2026, 2, 12), penalty) == date(2026, 2, 28)
    assert rules.service_due(date(2026, 2, 12), license) == date(2026, 3, 4)
    for category in ("coercion", "inspection", "levy", "requisition"):
        period = rules.DEFAULT_DEADLINES[category]
        assert not rules.has_service_deadline(period) and rules.service_due(date(2026, 2, 12), period) is None
    assert rules.has_service_deadline(penalty) and rules.has_service_deadline(license)


EXTENSION = {
    "due_on": date(2026, 5, 31),
    "met_on": None,
    "case_status": "investigating",
    "filed_on": date(2026, 3, 2),
    "new_due_on": date(2026, 6, 30),
    "approved_on": date(2026, 5, 20),
    "today": date(2026, 5, 25),
}


def test_case_9_decision_deadline_extension_allowed() -> None:
    assert rules.check_extension("decision", **EXTENSION) is None
    # Approved on the last day itself, and on the filing day: both still in time.
    assert (
        rules.check_extension("decision", **{**EXTENSION, "approved_on": date(2026, 5, 31), "today": date(2026, 6, 2)})
        is None
    )
    assert rules.check_extension("decision", **{**EXTENSION, "approved_on": date(2026, 3, 2)}) is None


@pytest.mark.parametrize(
    ("kind", "changes", "refusal"),
    [
        ("service", {}, "not_extendable"),  # 第六十一条 has no extension clause
        ("decision", {"met_on": date(2026, 5, 1)}, "not_extendable"),
        ("decision", {"case_status": "withdrawn"}, "not_extendable"),
        ("decision", {"due_on": None}, "not_extendable"),
        ("decision", {"new_due_on": date(2026, 5, 31)}, "not_later"),
        ("decision", {"new_due_on": date(2026, 5, 1)}, "not_later"),
        ("decision", {"approved_on": date(2026, 5, 26)}, "approved_in_future"),
        ("decision", {"approved_on": date(2026, 3, 1)}, "approved_before_filing"),
        ("decision", {"approved_on": date(2026, 6, 1), "today": date(2026, 6, 2)}, "approved_after_due"),
    ],
)
def test_case_9_decision_deadline_extension_refused(kind: str, changes: dict, refusal: str) -> None:
    assert rules.check_extension(kind, **{**EXTENSION, **changes}) == refusal


def test_case_number_format() -> None:
    assert rules.format_case_no("{short}〔{year}〕{n}号", short_name="城管", year=2026, number=12) == "城管〔2026〕12号"


def test_CASE_3_qualification_status_from_restriction_and_dates() -> None:
    today = date(2026, 11, 21)
    status = officer_rules.qualification_status
    assert status("none", "C-1", date(2027, 1, 1), today) == "active"
    assert status("none", "C-1", date(2026, 11, 20), today) == "uncertified"  # expired
    assert status("none", None, None, today) == "uncertified"
    assert status("suspended", "C-1", date(2027, 1, 1), today) == "suspended"
    assert status("revoked", "C-1", date(2027, 1, 1), today) == "revoked"


def test_REV_8_reinstatement_needs_training_and_passed_assessment_after_suspension() -> None:
    def met(trainings, passed, today=date(2026, 7, 1)) -> bool:
        return officer_rules.reinstatement_requirements_met(suspended, trainings, passed, today)

    suspended = date(2026, 6, 1)
    assert met([(date(2026, 6, 10), date(2026, 6, 11))], [date(2026, 6, 20)])
    assert not met([(date(2026, 5, 10), date(2026, 6, 11))], [date(2026, 6, 20)])  # training begun before
    assert not met([(date(2026, 6, 10), date(2026, 6, 11))], [])
    assert not met([(date(2026, 6, 1), date(2026, 6, 1))], [date(2026, 6, 1)])  # same day is not after
    # Recorded ahead of time, a training not over yet or an assessment still to come does not count.
    assert not met([(date(2026, 6, 28), date(2026, 7, 3))], [date(2026, 6, 20)])
    assert not met([(date(2026, 6, 10), date(2026, 6, 11))], [date(2026, 7, 10)])


def test_qualification_actions_and_id_masking() -> None:
    assert officer_rules.action_allowed("suspend", "none") and not officer_rules.action_allowed("suspend", "revoked")
    assert officer_rules.action_allowed("reinstate", "suspended") and not officer_rules.action_allowed(
        "reinstate", "none"
    )
    assert officer_rules.mask_id_number("142701198001011234") == "1427**********1234"
    assert officer_rules.mask_id_number(None) is None
