"""Pure rules of case-file review (案卷评查) — no I/O, unit-tested directly.

REV-5 obligation due date and late transfer, REV-12 exclusion judged by the remedy's
filing date, REV-13 basic standards, REV-14 deductions, REV-15 grade bands, REV-7 problems
of an unqualified file, REV-8 annual consequences and their withdrawal, REV-6/REV-17
compliance per period, REV-10 yearly inspection, REV-11 draws and findings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from enforcement_common.contracts.review import Grade

Consequence = Literal["none", "criticism", "no_commendation", "suspension", "manual_review"]

#: REV-13 基本标准: 主体合法, 事实清楚, 证据确凿, 程序合法, 适用法律正确, 具体行政行为适当.
BASIC_STANDARDS = (
    "subject_lawful",
    "facts_clear",
    "evidence_conclusive",
    "procedure_lawful",
    "law_correctly_applied",
    "act_appropriate",
)
#: REV-14 一般标准, per stage: 立案, 调查取证, 审查决定, 送达执行, 案卷归档.
GENERAL_STAGES = ("filing", "investigation", "decision", "service_execution", "archiving")

SELF_REVIEW_DAYS = 30  # REV-5


def obligation_due(closed_on: date, days: int = SELF_REVIEW_DAYS) -> date:
    """REV-5: the file goes to self-review within 30 days (the policy's) of the case's conclusion."""
    return closed_on + timedelta(days=days)


def transfer_days_late(submitted_on: date, due_on: date) -> int | None:
    """REV-5: days the file was transferred after ``due_on`` (None when on time)."""
    late = (submitted_on - due_on).days
    return late if late > 0 else None


TransferStatus = Literal["open", "met", "met_late", "overdue", "lapsed"]


def transfer_deadline(
    due_on: date, submitted_on: date | None, today_: date, *, excluded: bool = False
) -> tuple[TransferStatus, int | None]:
    """REV-5 as a deadline (CONTRACT.md "deadlines"): ``met``/``met_late`` once transferred —
    a late transfer stays ``met_late`` with its days late —, ``overdue`` while untransferred past
    ``due_on``, ``lapsed`` when the obligation was excluded untransferred (REV-12)."""
    if submitted_on is not None:
        late = transfer_days_late(submitted_on, due_on)
        return ("met_late", late) if late else ("met", None)
    if excluded:
        return "lapsed", None
    if today_ > due_on:
        return "overdue", (today_ - due_on).days
    return "open", None


def transfer_date_problem(
    submitted_on: date, closed_on: date, today_: date, overdue_recorded_on: date | None
) -> str | None:
    """REV-5: why a transfer date cannot be recorded, or None. Not in the future, not before
    the closure, and — once the platform recorded the file untransferred after due_on (the
    overdue event) — not before that record: back-dating would erase the breach."""
    if submitted_on > today_:
        return "submitted_on is in the future."
    if submitted_on < closed_on:
        return f"submitted_on is earlier than the closure ({closed_on.isoformat()})."
    if overdue_recorded_on is not None and submitted_on < overdue_recorded_on:
        return (
            f"The file was recorded untransferred and overdue on {overdue_recorded_on.isoformat()}: "
            "a transfer cannot be dated before that."
        )
    return None


#: REV-12: the legal remedies under which a case is not reviewed, with their names.
EXCLUDING_REMEDIES = {"reconsideration": "行政复议", "litigation": "行政诉讼"}


def excludes_review(remedy_kind: str) -> bool:
    """REV-12: a case under reconsideration or litigation is not reviewed."""
    return remedy_kind in EXCLUDING_REMEDIES


def remedy_voids_completed_review(remedy_filed_on: date | None, review_completed_on: date) -> bool:
    """REV-12 judges by when the remedy was FILED, not when the platform learnt of it: a
    reconsideration or litigation filed on or before the day the review completed means the
    file was already under remedy — the review is voided. Filed later, the review stands.
    The same day counts as before: a date cannot show the filing came after completion, and
    a file under remedy must not count against the handler (REV-8). Unknown filing date
    (remedies seen before dates were kept): the review stands."""
    return remedy_filed_on is not None and remedy_filed_on <= review_completed_on


def problems_listed(problems: list[str]) -> bool:
    """REV-7 (列出发现的问题): at least one non-blank problem."""
    return any(p.strip() for p in problems)


@dataclass(frozen=True)
class GradeBands:
    """REV-15: the seed sets no bands; defaults as in published local review rules."""

    excellent: int = 90
    qualified: int = 60


def score(basic: dict[str, bool], deductions: dict[str, float]) -> int:
    """100 minus the general-standard deductions (REV-14); 0 when any basic standard fails (REV-13).

    Rounded down, never up: 59.5 points is not 合格 and 89.5 is not 优秀 (REV-15).
    """
    if not all(basic[standard] for standard in BASIC_STANDARDS):
        return 0
    return max(0, math.floor(100 - sum(deductions.values()) + 1e-9))


def grade(points: int, basic_ok: bool, bands: GradeBands = GradeBands()) -> Grade:
    if not basic_ok or points < bands.qualified:
        return "unqualified"
    return "excellent" if points >= bands.excellent else "qualified"


LEVELS: tuple[Consequence, ...] = ("criticism", "no_commendation", "suspension")


def consequence(
    lead_cases: int, unqualified: int, above_ten: Literal["manual_review", "seed_table"] = "manual_review"
) -> Consequence:
    """REV-8, per lead handler and year: with at most 10 lead cases, 1 unqualified file ⇒
    通报批评, 2 ⇒ no commendation / not 优秀, 3 or more ⇒ qualification suspended.
    Above 10 lead cases the seed is silent: manual determination by default."""
    if unqualified <= 0:
        return "none"
    if lead_cases > 10 and above_ten == "manual_review":
        return "manual_review"
    return LEVELS[min(unqualified, 3) - 1]


def levels_to_withdraw(announced: list[str], lead_cases: int, unqualified: int) -> list[Consequence]:
    """REV-8 recomputed after a file left the tally (REV-12): the announced levels the year's
    count no longer reaches, highest first. The seed table gives the highest level the count
    supports (whatever the above-ten policy); a manual-review flag is withdrawn only when no
    unqualified file is left."""
    supported = consequence(lead_cases, unqualified, "seed_table")
    rank = LEVELS.index(supported) + 1 if supported in LEVELS else 0
    withdrawn: list[Consequence] = [level for level in LEVELS if level in announced and LEVELS.index(level) + 1 > rank]
    if "manual_review" in announced and unqualified == 0:
        withdrawn.append("manual_review")
    return sorted(withdrawn, key=lambda level: -(LEVELS.index(level) if level in LEVELS else -1))


# --- REV-9 half-year summaries ---------------------------------------------------------------


def half_year(period: str) -> tuple[date, date]:
    """``2026H1`` ⇒ (2026-01-01, 2026-06-30); ``2026H2`` ⇒ (2026-07-01, 2026-12-31)."""
    if len(period) != 6 or period[4] != "H" or period[5] not in "12" or not period[:4].isdigit():
        raise ValueError(f"period must look like 2026H1, not {period!r}")
    year, half = int(period[:4]), int(period[5])
    return (date(year, 1, 1), date(year, 6, 30)) if half == 1 else (date(year, 7, 1), date(year, 12, 31))


def summary_due(period: str, days_after: int) -> date:
    """REV-9: the summary is reported after each half year; due ``days_after`` days after its end."""
    return half_year(period)[1] + timedelta(days=days_after)


def periods_ended_before(today_: date, since_year: int) -> list[str]:
    periods = []
    for year in range(since_year, today_.year + 1):
        for half in (1, 2):
            period = f"{year}H{half}"
            if half_year(period)[1] < today_:
                periods.append(period)
    return periods


# --- REV-11 random inspection draws -----------------------------------------------------------

#: REV-11: 行政处罚, 行政许可, 行政强制, 行政征收或征用 — levy and requisition are one group.
INSPECTION_GROUPS: dict[str, tuple[str, ...]] = {
    "penalty": ("penalty",),
    "license": ("license",),
    "coercion": ("coercion",),
    "levy_or_requisition": ("levy", "requisition"),
}


def draw(ledger: dict[str, list[str]], per_category: int, seed: str) -> dict[str, list[str]]:
    """Reproducible draw: the same seed and ledger always give the same files; fewer when fewer exist."""
    import random

    rng = random.Random(seed)
    return {
        group: sorted(rng.sample(sorted(ids), min(per_category, len(ids)))) for group, ids in sorted(ledger.items())
    }


# --- REV-6 / REV-17 compliance ----------------------------------------------------------------


def self_review_rate(reviewed: int, due: int) -> float | None:  # due = fell due, not excluded
    """REV-6: reviewed files over files due for self-review (excluded ones do not count)."""
    return None if due == 0 else round(reviewed / due, 4)


def meets_rate_target(rate: float | None, target_percent: int) -> bool | None:
    """REV-6: the unit's self-review rate reaches the policy's target (the seed: 100%)."""
    return None if rate is None else rate * 100 >= target_percent - 1e-9


def rev17_flag(rate: float | None, target_percent: int) -> bool:
    """REV-17: files fell due and the self-review rate is below the target — not only a unit
    with no self-review at all."""
    return rate is not None and not meets_rate_target(rate, target_percent)


def period_bounds(period: str) -> tuple[date, date]:
    """REV-6 "per unit and period": ``2026`` (year), ``2026H1``/``2026H2`` (half year),
    ``2026Q1``…``2026Q4`` (quarter) ⇒ (first day, last day)."""
    if len(period) == 4 and period.isdigit():
        return date(int(period), 1, 1), date(int(period), 12, 31)
    if len(period) == 6 and period[:4].isdigit() and period[4] == "H" and period[5] in "12":
        return half_year(period)
    if len(period) == 6 and period[:4].isdigit() and period[4] == "Q" and period[5] in "1234":
        year, quarter = int(period[:4]), int(period[5])
        first = date(year, 3 * quarter - 2, 1)
        last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return first, last - timedelta(days=1)
    raise ValueError(f"period must look like 2026, 2026H1 or 2026Q3, not {period!r}")


def inspection_missing(year: int, inspections_in_year: int, today_: date) -> bool | None:
    """REV-10 (每年至少一次): flagged once the year has ended without an inspection; None
    while the year is still running and none has been made yet (not a breach yet)."""
    if inspections_in_year > 0:
        return False
    return True if today_ > date(year, 12, 31) else None


# --- REV-11 inspection findings ---------------------------------------------------------------

#: REV-11 second sentence (自查质量): good (自查准确规范), deficient (自查存在不足), not_done (未开展自查).
SELF_REVIEW_QUALITIES = ("good", "deficient", "not_done")


def self_review_quality_consistent(quality: str, has_completed_self_review: bool) -> bool:
    """REV-11: a file without a completed self-review can only be found ``not_done``; one with
    a completed self-review is judged ``good`` or ``deficient``."""
    return (quality == "not_done") != has_completed_self_review
