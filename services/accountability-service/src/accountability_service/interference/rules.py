"""Pure rules of the interference register (INT-*), without I/O."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

#: INT-2: internal personnel — 在编, 聘用, 离退休, and former staff.
INTERNAL_STAFF_TYPES = frozenset({"established", "contract", "retired", "former"})
#: INT-10 (一)–(六) and (其他): improper interference, 通报 after approval.
INTERFERENCE_CATEGORIES = ("I1", "I2", "I3", "I4", "I5", "I6", "other")
#: INT-13: written guidance or supervision by a competent body; an inquiry following normal procedure.
NOT_INTERFERENCE = frozenset({"legitimate_guidance", "inquiry"})


def is_internal(staff_type: str) -> bool:
    """INT-2: only internal personnel are recorded as interveners."""
    return staff_type in INTERNAL_STAFF_TYPES


def is_interference(category: str) -> bool:
    """INT-10 categories are interference; INT-13's guidance and inquiry are not."""
    return category not in NOT_INTERFERENCE


def guidance_acceptable(category: str, method: str) -> bool:
    """INT-7: a leader's guidance on a pending case is written, or — given orally — recorded by the
    handler (it is in the register); guidance by any other way (other) is not legitimate guidance."""
    return category != "legitimate_guidance" or method in ("written", "oral", "phone", "in_person")


def nonrecording_consequence(
    earlier_findings: int, requested: Literal["warning", "circulated_criticism"] | None
) -> tuple[Literal["warning", "circulated_criticism", "discipline_referral"], list[str], str]:
    """INT-12: a first finding ⇒ warning or circulated criticism (警告、通报批评); twice or more
    (两次以上) ⇒ referral to discipline (移交纪检部门)."""
    if earlier_findings >= 1:
        return "discipline_referral", ["INT-12"], f"第{earlier_findings + 1}次不记录或不如实记录，移交纪检部门"
    return requested or "warning", ["INT-12"], "首次不记录或不如实记录，予以警告或通报批评"


def quarter(period: str) -> tuple[date, date]:
    """``2026Q4`` ⇒ (2026-10-01, 2026-12-31)."""
    year, q = int(period[:4]), int(period[5])
    start = date(year, 3 * (q - 1) + 1, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, end - timedelta(days=1)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarters_ended_before(day: date, since_year: int) -> list[str]:
    periods = []
    for year in range(since_year, day.year + 1):
        for q in range(1, 5):
            period = f"{year}Q{q}"
            if quarter(period)[1] < day:
                periods.append(period)
    return periods


def report_due(period: str, due_days: int) -> date:
    """A quarter's report is due ``due_days`` after the quarter (policy, default 10)."""
    return quarter(period)[1] + timedelta(days=due_days)
