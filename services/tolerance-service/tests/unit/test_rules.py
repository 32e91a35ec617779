"""The tolerance rule engine (TOL-4, TOL-10 … TOL-13, TOL-16, TOL-18, TOL-19): per ground, per
combination, and a property test over every combination of grounds, conditions and exclusions."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tolerance_service import rules
from tolerance_service.policy import TEMPLATES, TOLERANCE_POLICIES, ToleranceValues
from tolerance_service.rules import Claim, decision_refusal, evaluate

POLICY = uuid.UUID("00000000-0000-4000-8000-000000000001")
ALL_TRUE = (True, True, True)


@pytest.mark.parametrize("code", sorted(rules.DUE_DILIGENCE))
def test_TOL_10_each_due_diligence_ground_yields_due_diligence_naming_its_item(code: str) -> None:
    result = evaluate(Claim(due_diligence=frozenset({code})), POLICY)
    ground = rules.DUE_DILIGENCE[code]
    assert (result.outcome, result.basis, result.policy_id) == ("due_diligence", ("TOL-10",), POLICY)
    assert ground.citation in result.explanation and ground.text in result.explanation
    assert result.explanation.startswith("符合第十条（")


@pytest.mark.parametrize("code", sorted(rules.TOLERANCE))
def test_TOL_11_each_tolerance_ground_with_all_conditions_yields_exempted(code: str) -> None:
    result = evaluate(Claim(tolerance=frozenset({code}), conditions=ALL_TRUE), POLICY)
    assert (result.outcome, result.basis) == ("exempted", ("TOL-11",))
    assert rules.TOLERANCE[code].citation in result.explanation


@pytest.mark.parametrize("failing", [0, 1, 2])
def test_TOL_11_a_tolerance_ground_with_a_condition_false_is_only_mitigated(failing: int) -> None:
    conditions = tuple(n != failing for n in range(3))
    result = evaluate(Claim(tolerance=frozenset({"TG5"}), conditions=conditions), POLICY)
    assert (result.outcome, result.basis) == ("mitigated", ("TOL-11",))
    assert result.mitigation_kinds == ("lighter", "reduced")
    assert f"第十一条第二款（{rules.CHINESE_NUMERALS[failing]}）" in result.explanation


@pytest.mark.parametrize("code", sorted(rules.MITIGATION))
def test_TOL_12_each_mitigation_ground_yields_mitigated_lighter_or_reduced(code: str) -> None:
    result = evaluate(Claim(mitigation=frozenset({code})), POLICY)
    assert (result.outcome, result.basis, result.mitigation_kinds) == ("mitigated", ("TOL-12",), ("lighter", "reduced"))
    assert rules.MITIGATION[code].citation in result.explanation


@pytest.mark.parametrize("exclusion", sorted(rules.EXCLUSIONS))
def test_TOL_13_an_exclusion_rejects_even_with_every_ground_proven(exclusion: str) -> None:
    claim = Claim(
        due_diligence=frozenset({"DD1"}),
        tolerance=frozenset({"TG1"}),
        mitigation=frozenset({"MG1"}),
        conditions=ALL_TRUE,
        exclusions=frozenset({exclusion}),
    )
    result = evaluate(claim, POLICY)
    assert (result.outcome, result.basis) == ("rejected", ("TOL-13",))
    assert "第十三条" in result.explanation and rules.EXCLUSIONS[exclusion] in result.explanation


def test_TOL_10_due_diligence_prevails_over_tolerance_and_mitigation() -> None:
    claim = Claim(due_diligence=frozenset({"DD2", "DD10"}), tolerance=frozenset({"TG1"}), conditions=ALL_TRUE)
    result = evaluate(claim, POLICY)
    assert result.outcome == "due_diligence"
    assert result.explanation.index("第十条（二）") < result.explanation.index("第十条（十）")  # a sentence per ground


def test_TOL_11_and_TOL_12_a_failed_tolerance_with_mitigation_cites_both() -> None:
    claim = Claim(tolerance=frozenset({"TG2"}), mitigation=frozenset({"MG2"}), conditions=(True, False, True))
    result = evaluate(claim, POLICY)
    assert (result.outcome, result.basis) == ("mitigated", ("TOL-11", "TOL-12"))


def test_TOL_4_a_major_loss_defeats_condition_2_so_no_exemption() -> None:
    minor = evaluate(Claim(tolerance=frozenset({"TG4"}), conditions=ALL_TRUE, loss_level="minor"), POLICY)
    major = evaluate(Claim(tolerance=frozenset({"TG4"}), conditions=ALL_TRUE, loss_level="major"), POLICY)
    assert minor.outcome == "exempted"
    assert (major.outcome, major.basis) == ("mitigated", ("TOL-4", "TOL-11"))
    assert "第四条" in major.explanation


def test_nothing_proven_is_not_applicable() -> None:
    result = evaluate(Claim(conditions=ALL_TRUE), POLICY)
    assert result.outcome == "not_applicable" and result.policy_id == POLICY


def test_the_issuers_wording_is_used_in_the_explanation() -> None:
    texts = TEMPLATES["003"].values.ground_texts
    naiman = evaluate(Claim(tolerance=frozenset({"TG3"}), conditions=ALL_TRUE), POLICY, texts)
    seed = evaluate(Claim(tolerance=frozenset({"TG3"}), conditions=ALL_TRUE), POLICY)
    assert "衣食住行" in naiman.explanation and "污染防治" in seed.explanation


def test_unknown_grounds_are_refused() -> None:
    with pytest.raises(ValueError):
        Claim(due_diligence=frozenset({"DD12"}))
    with pytest.raises(ValueError):
        Claim(exclusions=frozenset({"bad"}))


def test_TOL_11_and_TOL_13_decision_refusals() -> None:
    verified = Claim(tolerance=frozenset({"TG1"}), conditions=ALL_TRUE)
    assert decision_refusal("exempted", verified) is None
    assert decision_refusal("exempted", Claim(tolerance=frozenset({"TG1"}), conditions=(True, True, False))) == "TOL-11"
    assert decision_refusal("exempted", Claim(mitigation=frozenset({"MG1"}))) == "TOL-11"
    excluded = Claim(
        tolerance=frozenset({"TG1"}), conditions=ALL_TRUE, exclusions=frozenset({"outside_statutory_duty"})
    )
    assert decision_refusal("exempted", excluded) == "TOL-13"
    assert decision_refusal("rejected", excluded) is None


def test_TOL_16_due_diligence_and_exempted_need_a_correction_and_only_they() -> None:
    assert {o for o in ("due_diligence", "exempted", "mitigated", "rejected") if rules.needs_correction(o)} == {
        "due_diligence",
        "exempted",
    }


def test_TOL_18_keys_and_threshold() -> None:
    unit = uuid.uuid4()
    keys = rules.risk_keys(unit, "penalty", ["TG5", "DD2"])
    assert [(k.dimension, k.value) for k in keys] == [
        ("unit", str(unit)),
        ("category", "penalty"),
        ("ground", "DD2"),
        ("ground", "TG5"),
    ]
    assert not rules.crosses_threshold(2, 3) and rules.crosses_threshold(3, 3)


def test_TOL_19_clarification_only_after_a_concluded_unfounded_or_unproven_petition() -> None:
    assert rules.may_clarify(True, "unfounded") and rules.may_clarify(True, "unproven")
    assert not rules.may_clarify(True, "tolerated") and not rules.may_clarify(True, "founded")
    assert not rules.may_clarify(False, "unfounded")


def test_TOL_14_templates_name_their_deciding_bodies_and_the_default_is_the_county_template() -> None:
    assert {k: t.values.deciding_body.name_zh for k, t in TEMPLATES.items()} == {
        "000": "乡镇党委",
        "001": "单位党组",
        "003": "局党组",
    }
    assert all(
        t.values.notification_days == 7 and t.values.notification_day_kind == "calendar" for t in TEMPLATES.values()
    )
    (default,) = TOLERANCE_POLICIES.defaults
    assert default.values == TEMPLATES["001"].values
    with pytest.raises(ValueError):
        ToleranceValues(
            template="custom", deciding_body={"name_zh": "x", "level": "issuer"}, ground_texts={"TG99": "x"}
        )


# --- every combination ------------------------------------------------------------------------

codes = lambda catalogue: st.frozensets(st.sampled_from(sorted(catalogue)))  # noqa: E731
claims = st.builds(
    Claim,
    due_diligence=codes(rules.DUE_DILIGENCE),
    tolerance=codes(rules.TOLERANCE),
    mitigation=codes(rules.MITIGATION),
    conditions=st.tuples(st.booleans(), st.booleans(), st.booleans()),
    exclusions=codes(rules.EXCLUSIONS),
    loss_level=st.sampled_from(["none", "minor", "major"]),
)


@given(claims)
def test_TOL_10_to_TOL_13_properties_over_every_combination(claim: Claim) -> None:
    result = evaluate(claim, POLICY)
    assert result.policy_id == POLICY and result.basis and result.explanation
    if claim.exclusions:  # TOL-13 overrides everything
        assert result.outcome == "rejected" and result.basis == ("TOL-13",)
        return
    if claim.due_diligence:
        assert result.outcome == "due_diligence"
        assert all(rules.DUE_DILIGENCE[c].citation in result.explanation for c in claim.due_diligence)
        return
    if result.outcome == "exempted":  # never without a TG ground and C1–C3 (and no major loss)
        assert claim.tolerance and all(claim.conditions) and claim.loss_level != "major"
    if claim.tolerance and all(claim.effective_conditions):
        assert result.outcome == "exempted"
    elif claim.tolerance or claim.mitigation:
        assert result.outcome == "mitigated" and result.mitigation_kinds == ("lighter", "reduced")
        assert all(rules.GROUNDS[c].citation in result.explanation for c in claim.tolerance | claim.mitigation)
    else:
        assert result.outcome == "not_applicable"
    # the recommendation never proposes what a decision would be refused
    if result.outcome in ("exempted", "due_diligence", "mitigated"):
        assert decision_refusal(result.outcome, claim) is None


def test_TOL_18_first_window_finds_the_span_around_the_newest_incident_in_any_order() -> None:
    from datetime import date

    d = lambda n: date(2026, 1, 1) + timedelta(days=n)  # noqa: E731
    assert rules.first_window([d(0), d(1), d(2)], 90, 3, d(0)) == (0, 3)  # newest is the earliest
    assert rules.first_window([d(0), d(100), d(200)], 90, 3, d(100)) is None
    assert rules.first_window([d(0), d(50), d(95), d(120)], 90, 3, d(95)) == (1, 4)
    assert rules.first_window([d(0), d(50), d(95)], 90, 2, d(95)) == (1, 3)
    assert rules.first_window([d(0), d(10)], 10, 2, d(10)) is None  # 11 days apart: outside 10
