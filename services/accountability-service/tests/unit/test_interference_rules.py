"""Pure rules of the interference register and its chain (no I/O): INT-2, INT-3, INT-7, INT-12, INT-13."""

import uuid
from datetime import UTC, date, datetime

from accountability_service.interference import chain, rules


def test_int_2_internal_personnel_only() -> None:
    for staff_type in ("established", "contract", "retired", "former"):
        assert rules.is_internal(staff_type)
    assert not rules.is_internal("external")


def test_int_10_and_int_13_categories() -> None:
    for category in rules.INTERFERENCE_CATEGORIES:
        assert rules.is_interference(category)
    assert not rules.is_interference("legitimate_guidance") and not rules.is_interference("inquiry")


def test_int_7_guidance_is_written_or_oral_and_recorded() -> None:
    assert rules.guidance_acceptable("legitimate_guidance", "written")
    assert rules.guidance_acceptable("legitimate_guidance", "oral")
    assert not rules.guidance_acceptable("legitimate_guidance", "other")
    assert rules.guidance_acceptable("I1", "other")


def test_int_12_first_warning_or_criticism_then_discipline_referral() -> None:
    assert rules.nonrecording_consequence(0, None)[0] == "warning"
    assert rules.nonrecording_consequence(0, "circulated_criticism")[0] == "circulated_criticism"
    assert rules.nonrecording_consequence(1, "warning")[0] == "discipline_referral"
    assert rules.nonrecording_consequence(4, None)[1] == ["INT-12"]


def test_int_3_quarters_and_report_due_dates() -> None:
    assert rules.quarter("2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert rules.quarter("2026Q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert rules.quarter_of(date(2026, 7, 1)) == "2026Q3"
    assert rules.report_due("2026Q3", 10) == date(2026, 10, 10)
    assert rules.quarters_ended_before(date(2026, 7, 2), 2026) == ["2026Q1", "2026Q2"]


def _content(n: int) -> dict:
    return {
        "id": uuid.UUID(int=n),
        "unit_id": uuid.UUID(int=1000),
        "case_id": uuid.UUID(int=2000),
        "occurred_at": datetime(2026, 11, 1, 2, n, tzinfo=UTC),
        "place": "办公室",
        "intervener_officer_id": None,
        "intervener_name": "张某",
        "intervener_staff_type": "retired",
        "intervener_position": None,
        "method": "phone",
        "content": f"第{n}次",
        "category": "I5",
        "corrects_id": None,
        "recorded_by": "officer-1",
        "recorder_officer_id": None,
        "recorder_name": "李某",
        "recorded_at": datetime(2026, 11, 1, 3, n, tzinfo=UTC),
    }


def _chain(n: int) -> list[tuple[dict, str, str]]:
    rows, prev = [], chain.GENESIS
    for i in range(n):
        content = _content(i)
        h = chain.record_hash(prev, content)
        rows.append((content, prev, h))
        prev = h
    return rows


def _verify(rows, checkpoint=None) -> chain.ChainReport:
    verifier = chain.ChainVerifier(checkpoint)
    for content, prev, h in rows:
        verifier.feed(content, prev, h)
    return verifier.report()


def test_int_3_chain_intact_extends_its_checkpoint() -> None:
    rows = _chain(5)
    report = _verify(rows, (3, rows[2][2]))
    assert report.valid and report.extends_checkpoint and report.count == 5 and report.head_hash == rows[-1][2]


def test_int_3_chain_edit_delete_truncate_each_fail() -> None:
    rows = _chain(5)
    edited = [*rows]
    edited[1] = ({**rows[1][0], "content": "改"}, rows[1][1], rows[1][2])
    assert _verify(edited).first_bad_id == str(rows[1][0]["id"])
    deleted = rows[:2] + rows[3:]
    assert _verify(deleted).first_bad_id == str(rows[3][0]["id"])
    truncated = rows[:3]
    assert _verify(truncated).valid
    report = _verify(truncated, (5, rows[4][2]))
    assert not report.valid and report.extends_checkpoint is False


def test_int_3_checkpoint_signature_verifies_with_the_public_key_only_for_what_was_signed() -> None:
    signer = chain.Signer.from_hex("")
    at = datetime(2026, 12, 1, tzinfo=UTC)
    signature = signer.sign(7, "a" * 64, at)
    assert chain.signature_valid(signer.public_raw, 7, "a" * 64, at, signature)
    assert not chain.signature_valid(signer.public_raw, 6, "a" * 64, at, signature)
    assert not chain.signature_valid(chain.Signer.from_hex("").public_raw, 7, "a" * 64, at, signature)
    fixed = chain.Signer.from_hex("11" * 32)
    assert fixed.key_id == chain.Signer.from_hex("11" * 32).key_id
