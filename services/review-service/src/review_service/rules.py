"""Pure rules of case-file review (案卷评查) — no I/O, unit-tested directly.

REV-5 obligation due date, REV-12 exclusion, REV-13 basic standards, REV-14
deductions, REV-15 grade bands, REV-8 annual consequences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Grade = Literal["excellent", "qualified", "unqualified"]
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


def obligation_due(closed_on: date) -> date:
    """REV-5: the file goes to self-review within 30 days of the case's conclusion."""
    return closed_on + timedelta(days=SELF_REVIEW_DAYS)


def excludes_review(remedy_kind: str) -> bool:
    """REV-12: a case under reconsideration or litigation is not reviewed."""
    return remedy_kind in ("reconsideration", "litigation")


@dataclass(frozen=True)
class GradeBands:
    """REV-15: the seed sets no bands; defaults as in published local review rules."""

    excellent: int = 90
    qualified: int = 60


def score(basic: dict[str, bool], deductions: dict[str, float]) -> int:
    """100 minus the general-standard deductions (REV-14); 0 when any basic standard fails (REV-13)."""
    if not all(basic[standard] for standard in BASIC_STANDARDS):
        return 0
    return max(0, round(100 - sum(deductions.values())))


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
