"""Pure rules of issue 11 (no I/O): qualification on a date (CASE-3), the back-dating window
(CASE-3), remedy dates (CASE-8), penalty kinds and their heaviest (STAT-7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from case_service.cases import rules
from case_service.officers.rules import qualification_status

D = date(2026, 6, 15)


def _status(on: date, **kwargs) -> str:
    values = {"restriction": "none", "certificate_number": "C-1", "expires_on": date(2027, 1, 1)} | kwargs
    return qualification_status(values.pop("restriction"), values.pop("certificate_number"),
                                values.pop("expires_on"), on, **values)  # fmt: skip


def test_case_3_a_certificate_is_valid_from_its_issue_date_to_its_expiry() -> None:
    assert _status(D, issued_on=D) == "active"
    assert _status(D, issued_on=date(2026, 6, 16)) == "uncertified", "issued in the future"
    assert _status(date(2027, 1, 1)) == "active" and _status(date(2027, 1, 2)) == "uncertified"
    assert _status(D, certificate_number=None) == "uncertified"


def test_case_3_a_restriction_counts_from_its_date_and_past_periods_keep_counting() -> None:
    assert _status(D, restriction="suspended", restricted_on=D) == "suspended"
    assert _status(date(2026, 6, 14), restriction="suspended", restricted_on=D) == "active"
    assert _status(D, restriction="revoked") == "revoked", "a restriction without a date counts always"
    periods = [("suspended", date(2026, 6, 1), date(2026, 6, 10)), ("revoked", date(2026, 6, 20), None)]
    assert _status(date(2026, 5, 31), periods=periods) == "active"
    assert _status(date(2026, 6, 1), periods=periods) == "suspended"
    assert _status(date(2026, 6, 9), periods=periods) == "suspended"
    assert _status(date(2026, 6, 10), periods=periods) == "active", "reinstated that day"
    assert _status(date(2026, 6, 20), periods=periods) == "revoked"
    overlapping = [("suspended", date(2026, 6, 1), None), ("revoked", date(2026, 6, 1), None)]
    assert _status(D, periods=overlapping) == "revoked"


def test_case_3_every_acting_step_is_checked_and_only_those() -> None:
    assert set(rules.QUALIFIED_HANDLER_ACTIONS) == {"investigation", "decision", "service", "execution"}
    assert set(rules.QUALIFIED_HANDLER_ACTIONS) <= set(rules.ACTIONS)


def test_case_3_the_back_dating_window() -> None:
    assert rules.earliest_filing_date(D, 30) == date(2026, 5, 16)
    assert not rules.filed_before_window(date(2026, 5, 16), D, 30, may_backdate=False)
    assert rules.filed_before_window(date(2026, 5, 15), D, 30, may_backdate=False)
    assert not rules.filed_before_window(date(2020, 1, 1), D, 30, may_backdate=True), "the platform's import"
    assert rules.filed_before_window(date(2026, 6, 14), D, 0, may_backdate=False)


def test_case_8_remedy_dates_between_the_decision_and_today() -> None:
    decided = date(2026, 6, 1)
    assert rules.remedy_date_problem(date(2026, 6, 1), None, decided, D) is None
    assert rules.remedy_date_problem(date(2026, 5, 31), None, decided, D)[0] == "filed_on"
    assert rules.remedy_date_problem(date(2026, 6, 16), None, decided, D)[0] == "filed_on"
    assert rules.remedy_date_problem(date(2026, 6, 5), date(2026, 6, 4), decided, D)[0] == "concluded_on"
    assert rules.remedy_date_problem(date(2026, 6, 5), date(2026, 6, 16), decided, D)[0] == "concluded_on"
    assert rules.remedy_date_problem(date(2026, 6, 5), D, decided, D) is None
    assert {"decided", "served", "executed", "closed", "archived"} == rules.DECIDED_STATUSES


def test_stat_7_heaviest_kind_follows_article_9() -> None:
    assert rules.heaviest_penalty_kind(["warning", "fine"]) == "fine"
    assert rules.heaviest_penalty_kind(["fine", "confiscation", "license_revocation"]) == "license_revocation"
    assert rules.heaviest_penalty_kind(["closure", "detention"]) == "detention"
    assert rules.heaviest_penalty_kind(["other", "warning"]) == "warning"
    assert rules.heaviest_penalty_kind(["other"]) == "other"
    assert rules.heaviest_penalty_kind([]) is None
    assert rules.canonical_penalty_kinds(["fine", "warning", "fine"]) == ["fine", "warning"]


def test_stat_7_penalty_kinds_match_the_decision() -> None:
    problem = rules.penalty_kinds_problem
    assert problem("penalty", ["fine"], Decimal("100"), None) is None
    assert problem("penalty", ["fine", "confiscation"], Decimal("100"), Decimal("5")) is None
    assert problem("penalty", ["confiscation"], None, None) is None, "goods not valued"
    assert problem("penalty", ["warning"], None, Decimal("0")) is None
    assert problem("penalty", [], None, None) is not None
    assert problem("penalty", ["warning"], Decimal("100"), None) is not None
    assert problem("penalty", ["fine"], Decimal("0"), None) is not None
    assert problem("penalty", ["fine"], None, None) is not None
    assert problem("penalty", ["fine"], Decimal("1"), Decimal("1")) is not None
    assert problem("license", [], None, None) is None
    assert problem("license", ["warning"], None, None) is not None


def test_stat_7_a_penalty_not_imposed_or_not_established_names_no_kind_and_no_amount() -> None:
    """行政处罚法 第五十七条: a penalty case may be decided without a penalty."""
    problem = rules.penalty_kinds_problem
    for outcome in ("not_imposed", "not_established"):
        assert problem("penalty", [], None, None, outcome) is None
        assert problem("penalty", [], Decimal("0"), None, outcome) is None
        assert problem("penalty", ["warning"], None, None, outcome) is not None
        assert problem("penalty", [], Decimal("100"), None, outcome) is not None
        assert problem("penalty", [], None, Decimal("5"), outcome) is not None
    assert problem("penalty", ["fine"], Decimal("100"), None, "imposed") is None
    assert problem("penalty", [], None, None, "imposed") is not None
    assert problem("license", [], None, None, "imposed") is not None, "only a penalty case has an outcome"
    assert rules.penalty_outcome("penalty", None) == "imposed"
    assert rules.penalty_outcome("penalty", "not_imposed") == "not_imposed"
    assert rules.penalty_outcome("license", None) is None
