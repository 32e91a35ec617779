"""Reconciliation's comparison with case-service's counts (GET /cases:counts), without I/O.

The end-to-end call against a running case-service is not tested yet: its endpoint is not
on main (see the service README)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stats_service.admin import reconciliation


def _ours(**penalty):
    base = {"filed": 3, "decided": 2, "closed": 1, "hearings": 0}
    groups = [
        {
            "key": "penalty",
            "no_duty": False,
            **base,
            "fines_total": Decimal("100.00"),
            "confiscations_total": Decimal("0.00"),
            **penalty,
        },
        {"key": "license", "no_duty": True},
        {
            "key": "inspection",
            "no_duty": False,
            "filed": 0,
            "decided": 0,
            "closed": 0,
            "hearings": 0,
            "fines_total": Decimal("0.00"),
            "confiscations_total": Decimal("0.00"),
        },
    ]
    return reconciliation.ours_by_category(groups)


def test_equal_counts_reconcile_and_decimals_compare_by_value() -> None:
    theirs = reconciliation.theirs_by_category(
        {"groups": [{"key": "penalty", "filed": 3, "closed": 1, "fines_total": "100.0"}]}
    )
    assert reconciliation.differences(_ours(), theirs) == []


def test_a_different_count_is_listed_with_both_figures() -> None:
    theirs = reconciliation.theirs_by_category(
        {"items": [{"category": "penalty", "filed": 4, "closed": 1}, {"category": "inspection", "filed": 2}]}
    )
    assert reconciliation.differences(_ours(), theirs) == [
        {"category": "inspection", "measure": "filed", "ours": "0", "theirs": "2"},
        {"category": "penalty", "measure": "filed", "ours": "3", "theirs": "4"},
    ]


def test_a_category_only_the_owner_counts_is_a_difference() -> None:
    theirs = reconciliation.theirs_by_category([{"category": "levy", "filed": 1}])
    assert reconciliation.differences(_ours(), theirs) == [
        {"category": "levy", "measure": "filed", "ours": "0", "theirs": "1"},
        {"category": "penalty", "measure": "filed", "ours": "3", "theirs": "0"},
    ]


def test_an_answer_without_counts_is_refused() -> None:
    with pytest.raises(ValueError):
        reconciliation.theirs_by_category({"detail": "nothing"})


def test_case_services_rows_and_heaviest_kinds_compare_by_class() -> None:
    ours = reconciliation.ours_by_category(
        [
            {
                "key": "penalty",
                "no_duty": False,
                "filed": 3,
                "decided": 2,
                "closed": 1,
                "hearings": 0,
                "fines_total": Decimal("100.00"),
                "confiscations_total": Decimal("0.00"),
                "penalty_decisions_by_kind": {"k1": 0, "k2": 1, "k3": 1, "k4": 0, "k5": 0, "k0": 0},
            }
        ]
    )
    theirs = reconciliation.theirs_by_category(
        {
            "rows": [
                {
                    "key": "penalty",
                    "filed": 3,
                    "decided": 2,
                    "closed": 1,
                    "hearings": 0,
                    "fines_total": "100.00",
                    "confiscations_total": "0.00",
                    "penalty_decisions": {"license_revocation": 1, "confiscation": 1},
                }
            ],
            "totals": {},
        }
    )
    assert reconciliation.differences(ours, theirs) == []
    theirs["penalty"]["penalty:k3"] = "0"
    assert reconciliation.differences(ours, theirs) == [
        {"category": "penalty", "measure": "penalty:k3", "ours": "1", "theirs": "0"}
    ]
