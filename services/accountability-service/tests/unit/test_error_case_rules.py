"""Pure rules of error cases (no I/O): ERR-2, ERR-5, ERR-6, ERR-8, ERR-9, ERR-10, ERR-11, TOL-15."""

from datetime import date

import pytest

from accountability_service.error_cases import rules


def test_err_2_only_penalty_and_license_cases_are_in_scope() -> None:
    assert rules.in_scope("penalty") and rules.in_scope("license")
    for category in ("coercion", "inspection", "levy", "requisition"):
        assert not rules.in_scope(category)


@pytest.mark.parametrize(
    ("kind", "result", "source"),
    [
        ("reconsideration", "revoked", "reconsideration"),
        ("reconsideration", "partially_revoked", "reconsideration"),
        ("reconsideration", "changed", "reconsideration"),
        ("reconsideration", "upheld", None),
        ("reconsideration", "ordered_redo", None),
        ("litigation", "revoked", "litigation"),
        ("litigation", "partially_revoked", "litigation"),
        ("litigation", "changed", "litigation"),
        ("litigation", "ordered_redo", "litigation"),
        ("litigation", "dismissed", None),
        ("compensation", "compensation_paid", "compensation"),
        ("compensation", "dismissed", None),
    ],
)
def test_err_5_sources_3_to_5_open_on_the_results_the_seed_names(kind: str, result: str, source: str | None) -> None:
    assert rules.automatic_source(kind, "concluded", result) == source


def test_err_5_a_pending_remedy_opens_nothing() -> None:
    assert rules.automatic_source("litigation", "pending", None) is None
    assert rules.automatic_source("litigation", "pending", "revoked") is None


def test_err_6_no_liable_behaviour_proposes_exemption() -> None:
    proposal = rules.propose_handling([], ["E4"], [])
    assert proposal.handling == "exempted" and proposal.basis == ["ERR-6"]


def test_err_6_a_behaviour_without_grounds_is_ordinary() -> None:
    proposal = rules.propose_handling(["L4"], [], [])
    assert proposal.handling == "ordinary" and proposal.basis == ["ERR-6"] and "L4" in proposal.explanation


def test_err_6_bribery_or_dereliction_suggests_a_discipline_referral() -> None:
    assert rules.propose_handling(["L9"], [], []).referral == ["discipline"]
    assert rules.propose_handling(["L1"], [], []).referral == []


def test_err_8_lighter_grounds_propose_lighter_and_no_fault_grounds_exemption() -> None:
    assert rules.propose_handling(["L5"], ["E1"], []).handling == "lighter"
    assert rules.propose_handling(["L5"], ["E5", "E4"], []).basis == ["ERR-8"]
    for ground in ("E3", "E6"):
        assert rules.propose_handling(["L5"], [ground], []).handling == "exempted"


def test_err_9_a_heavier_ground_overrides_every_lighter_one() -> None:
    proposal = rules.propose_handling(["L3"], ["E3", "E1"], ["H2"])
    assert proposal.handling == "heavier" and proposal.basis == ["ERR-9"] and "H2" in proposal.explanation


def test_err_10_reinvestigation_window_is_one_month_to_the_day() -> None:
    assert rules.reinvestigation_due(date(2026, 3, 15), 1) == date(2026, 4, 15)
    assert rules.reinvestigation_due(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.reinvestigation_due(date(2026, 12, 10), 1) == date(2027, 1, 10)


def test_err_11_exempted_or_not_an_error_case_takes_no_sanction() -> None:
    assert rules.sanction_conflict("exempted", ["circulated_criticism"], is_error_case=True, tolerance=None)[1] == [
        "ERR-8",
        "ERR-11",
    ]
    assert rules.sanction_conflict("ordinary", ["circulated_criticism"], is_error_case=False, tolerance=None)
    assert rules.sanction_conflict("ordinary", [], is_error_case=True, tolerance=None)[1] == ["ERR-11"]
    assert rules.sanction_conflict("ordinary", ["suspend_enforcement"], is_error_case=True, tolerance=None) is None


def test_tol_15_tolerance_outcomes() -> None:
    assert rules.tolerance_effect([("exempted", None)]) == "tolerated"
    assert rules.tolerance_effect([("rejected", None), ("due_diligence", None)]) == "tolerated"
    assert rules.tolerance_effect([("mitigated", "lighter")]) == "mitigated"
    assert rules.tolerance_effect([("rejected", None)]) is None
    assert rules.tolerance_effect([]) is None


def test_tol_15_a_tolerated_respondent_is_never_sanctioned_and_mitigated_is_lighter_at_most() -> None:
    assert rules.sanction_conflict("exempted", ["written_self_criticism"], is_error_case=True, tolerance="tolerated")[
        1
    ] == ["TOL-15"]
    assert rules.sanction_conflict("ordinary", [], is_error_case=True, tolerance="tolerated")[1] == ["TOL-15"]
    assert rules.sanction_conflict("exempted", [], is_error_case=True, tolerance="tolerated") is None
    assert rules.sanction_conflict("heavier", ["remove_from_post"], is_error_case=True, tolerance="mitigated")[1] == [
        "TOL-15"
    ]
    assert (
        rules.sanction_conflict("lighter", ["written_self_criticism"], is_error_case=True, tolerance="mitigated")
        is None
    )
