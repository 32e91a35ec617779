"""Pure rules of error cases (错案), without I/O: scope (ERR-2), automatic sources (ERR-5),
the proposed handling from the findings (ERR-6, ERR-8, ERR-9), the determination's
consistency with sanctions and tolerance (ERR-11, TOL-15), the re-investigation window
(ERR-10)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Handling = Literal["exempted", "lighter", "ordinary", "heavier"]
HANDLING_ORDER: tuple[Handling, ...] = ("exempted", "lighter", "ordinary", "heavier")

#: ERR-2: only 行政处罚 and 行政许可 cases are in scope.
IN_SCOPE_CATEGORIES = frozenset({"penalty", "license"})

#: ERR-5 sources 3–5: the remedy results that make a case an error case, per remedy kind.
AUTOMATIC_RESULTS: dict[str, frozenset[str]] = {
    # 3. 行政复议决定予以撤销或者变更
    "reconsideration": frozenset({"revoked", "partially_revoked", "changed"}),
    # 4. 人民法院终审判决撤销、部分撤销、变更或者责令重新作出具体行政行为
    "litigation": frozenset({"revoked", "partially_revoked", "changed", "ordered_redo"}),
    # 5. 给予行政赔偿
    "compensation": frozenset({"compensation_paid"}),
}

#: ERR-6 (一)–(十一), ERR-8 (一)–(六), ERR-9.
BEHAVIOURS = tuple(f"L{n}" for n in range(1, 12))
LIGHTER_GROUNDS = tuple(f"E{n}" for n in range(1, 7))
HEAVIER_GROUNDS = ("H1", "H2", "H3")  # 坚持错误, 放任危害后果发生, 阻碍调查
#: ERR-8 grounds where the respondent had no fault (不可预见/相对人过错/弄虚作假/不可抗力): exemption proposed.
NO_FAULT_GROUNDS = frozenset({"E3", "E6"})
#: ERR-6 (九) 索贿受贿、玩忽职守、徇私枉法: suspected discipline or crime ⇒ referral (ERR-10 (三)).
REFERRAL_BEHAVIOURS = frozenset({"L9"})

#: ERR-11: the sanctions case-service acts on.
QUALIFICATION_SANCTIONS = frozenset({"suspend_enforcement", "remove_from_post"})


def in_scope(category: str) -> bool:
    """ERR-2: an error case concerns a 行政处罚 or 行政许可 case."""
    return category in IN_SCOPE_CATEGORIES


def automatic_source(kind: str, status: str, result: str | None) -> str | None:
    """ERR-5 sources 3–5: the source an error case opens with, or None (not concluded, or a result that upholds)."""
    if status != "concluded" or result is None:
        return None
    return kind if result in AUTOMATIC_RESULTS.get(kind, frozenset()) else None


@dataclass(frozen=True)
class Proposal:
    handling: Handling
    basis: list[str]
    explanation: str
    referral: list[str] = field(default_factory=list)


def propose_handling(behaviours: list[str], lighter: list[str], heavier: list[str]) -> Proposal:
    """The handling the findings call for (the collective determination may depart, with reasons).

    No liable behaviour ⇒ exempted (ERR-6); a heavier ground ⇒ heavier, whatever else (ERR-9);
    a no-fault ground of ERR-8 ⇒ exempted; another ground of ERR-8 ⇒ lighter; otherwise ordinary.
    A behaviour of ERR-6 (九) suggests a referral to discipline (ERR-10)."""
    referral = ["discipline"] if REFERRAL_BEHAVIOURS & set(behaviours) else []
    if not behaviours:
        return Proposal("exempted", ["ERR-6"], "未认定第六条所列应追究责任的行为", referral)
    if heavier:
        return Proposal(
            "heavier", ["ERR-9"], f"存在第九条从重情形（{'、'.join(sorted(heavier))}），应从重处理", referral
        )
    if NO_FAULT_GROUNDS & set(lighter):
        grounds = "、".join(sorted(NO_FAULT_GROUNDS & set(lighter)))
        return Proposal("exempted", ["ERR-8"], f"存在第八条情形（{grounds}），执法人员无过错，可免于追究", referral)
    if lighter:
        return Proposal("lighter", ["ERR-8"], f"存在第八条情形（{'、'.join(sorted(lighter))}），可从轻追究", referral)
    return Proposal(
        "ordinary", ["ERR-6"], f"认定第六条行为（{'、'.join(sorted(behaviours))}），依第十一条追究", referral
    )


def tolerance_effect(outcomes: list[tuple[str, str | None]]) -> Literal["tolerated", "mitigated"] | None:
    """TOL-15 from the respondent's tolerance decisions for the case ((outcome, mitigation_kind) each):
    ``due_diligence`` or ``exempted`` ⇒ tolerated (not an enforcement error: no sanction);
    ``mitigated`` ⇒ lighter handling at most; ``rejected`` changes nothing."""
    kinds = {outcome for outcome, _ in outcomes}
    if kinds & {"due_diligence", "exempted"}:
        return "tolerated"
    if "mitigated" in kinds:
        return "mitigated"
    return None


def sanction_conflict(
    handling: Handling, sanctions: list[str], *, is_error_case: bool, tolerance: str | None
) -> tuple[str, list[str]] | None:
    """Why these sanctions cannot go with this handling, as (detail, basis); None when consistent."""
    if tolerance == "tolerated" and sanctions:
        return "a respondent granted tolerance for this case is not an enforcement error: no sanction", ["TOL-15"]
    if tolerance == "tolerated" and handling != "exempted":
        return "a respondent granted tolerance for this case is handled as exempted", ["TOL-15"]
    if tolerance == "mitigated" and HANDLING_ORDER.index(handling) > HANDLING_ORDER.index("lighter"):
        return "a mitigated tolerance decision allows lighter handling at most", ["TOL-15"]
    if not is_error_case and sanctions:
        return "not found an error case: no sanction", ["ERR-5", "ERR-11"]
    if handling == "exempted" and sanctions:
        return "an exempted respondent is not sanctioned", ["ERR-8", "ERR-11"]
    if handling in ("ordinary", "heavier") and is_error_case and not sanctions:
        return "ordinary or heavier handling names at least one sanction of ERR-11", ["ERR-11"]
    return None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reinvestigation_due(decided_on: date, months: int) -> date:
    """ERR-10 (三): the organ may order a re-investigation within 1 个月 of the determination (policy)."""
    return add_months(decided_on, months)
