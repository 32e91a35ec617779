"""Pure rules of case-file review (案卷评查) — no I/O, unit-tested directly.

REV-5 obligation due date, REV-12 exclusion, REV-13 basic standards, REV-14
deductions, REV-15 grade bands, REV-8 annual consequences.
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


#: REV-12: the legal remedies under which a case is not reviewed, with their names.
EXCLUDING_REMEDIES = {"reconsideration": "行政复议", "litigation": "行政诉讼"}


def excludes_review(remedy_kind: str) -> bool:
    """REV-12: a case under reconsideration or litigation is not reviewed."""
    return remedy_kind in EXCLUDING_REMEDIES


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
