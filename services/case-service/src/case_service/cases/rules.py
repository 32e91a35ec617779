"""Pure rules of enforcement cases — no I/O, unit-tested directly.

The lifecycle (CASE-2), the legal-review gate for major decisions (CASE-4),
handler qualification and count (CASE-3, CASE-9), statutory deadlines (CASE-9)
and case numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal, get_args

from enforcement_common.calendar import CalendarNotCovered, DayKind, due_date
from enforcement_common.contracts.case import CaseCategory, CaseStatus, PenaltyKind

Action = Literal[
    "investigation",
    "legal-review",
    "hearing",
    "decision",
    "service",
    "execution",
    "closure",
    "archive",
    "transfer",
    "withdrawal",
]

STATUSES: tuple[CaseStatus, ...] = get_args(CaseStatus)
ACTIONS: tuple[Action, ...] = get_args(Action)

#: The lifecycle (CASE-2 立案 → 调查取证 → 审查决定 → 送达执行 → 结案 → 归档), as
#: (action, from status) → to status. A legal review (法制审核) that returns the file
#: sends it back to investigation; a hearing (听证) is recorded without a change of stage.
#: Closure follows execution, or service when nothing is left to execute, or the
#: investigation of an inspection that found nothing to decide.
TRANSITIONS: dict[tuple[Action, CaseStatus], CaseStatus] = {
    ("investigation", "filed"): "investigating",
    ("legal-review", "investigating"): "reviewing",
    ("hearing", "investigating"): "investigating",
    ("hearing", "reviewing"): "reviewing",
    ("decision", "investigating"): "decided",
    ("decision", "reviewing"): "decided",
    ("service", "decided"): "served",
    ("execution", "served"): "executed",
    ("closure", "served"): "closed",
    ("closure", "executed"): "closed",
    ("closure", "investigating"): "closed",
    ("archive", "closed"): "archived",
    ("transfer", "filed"): "transferred",
    ("transfer", "investigating"): "transferred",
    ("transfer", "reviewing"): "transferred",
    ("withdrawal", "filed"): "withdrawn",
    ("withdrawal", "investigating"): "withdrawn",
    ("withdrawal", "reviewing"): "withdrawn",
}


#: Transitions that only some categories have: an inspection (行政检查) that found
#: nothing to decide is closed straight from its investigation.
CATEGORY_ONLY: dict[tuple[Action, CaseStatus], frozenset[str]] = {
    ("closure", "investigating"): frozenset({"inspection"})
}


def next_status(action: Action, status: CaseStatus, category: str | None = None) -> CaseStatus | None:
    """The status after ``action``, or None when the action is out of order for this case."""
    only = CATEGORY_ONLY.get((action, status))
    if only is not None and category not in only:
        return None
    return TRANSITIONS.get((action, status))


def allowed_actions(status: CaseStatus, category: str | None = None) -> list[Action]:
    return [action for action in ACTIONS if next_status(action, status, category) is not None]


def legal_review_outcome(opinion: Literal["approved", "returned"]) -> CaseStatus:
    """法制审核: approved ⇒ reviewing (decision may follow); returned ⇒ back to investigating."""
    return "reviewing" if opinion == "approved" else "investigating"


def decision_blocked_by_missing_legal_review(is_major: bool, legal_review_approved: bool) -> bool:
    """CASE-4: a major decision (重大执法决定) needs an approved legal review first."""
    return is_major and not legal_review_approved


@dataclass(frozen=True)
class HandlerCheck:
    unqualified: list[str]
    qualified_count: int
    required: int

    @property
    def too_few(self) -> bool:
        return self.qualified_count < self.required


#: 行政处罚法 第四十二条 (penalties) and 行政强制法 第十八条 (coercive measures): two officers —
#: the platform default of the policy's ``min_handlers``.
TWO_HANDLER_CATEGORIES = frozenset({"penalty", "coercion"})


def check_handlers(
    statuses: dict[str, str],
    category: CaseCategory,
    two_handler_categories: frozenset[str] = TWO_HANDLER_CATEGORIES,
    *,
    required: int | None = None,
) -> HandlerCheck:
    """CASE-3: every handler holds an active certificate. CASE-9: as many as the policy
    requires (``required``; else two for ``two_handler_categories``)."""
    unqualified = sorted(officer for officer, status in statuses.items() if status != "active")
    qualified = len(statuses) - len(unqualified)
    if required is None:
        required = 2 if category in two_handler_categories else 1
    return HandlerCheck(unqualified=unqualified, qualified_count=qualified, required=required)


DeadlineKind = Literal["decision", "service"]
#: CONTRACT.md "deadlines": met_late is met after ``due_on`` (a breach cured, still shown);
#: lapsed is a deadline of a case that ended before it was met.
DeadlineStatus = Literal["open", "met", "met_late", "overdue", "awaiting_calendar", "lapsed"]
DEADLINE_STATUSES: tuple[DeadlineStatus, ...] = get_args(DeadlineStatus)


@dataclass(frozen=True)
class DeadlinePolicy:
    """CASE-9, configurable per category: days and how they are counted."""

    decision_days: int | None  # from filing; None = no statutory decision period
    decision_day_kind: DayKind
    service_days: int | None  # from the decision; None = no statutory service period (送达期限)
    service_day_kind: DayKind


DEFAULT_DEADLINES: dict[str, DeadlinePolicy] = {
    # 行政处罚法 第六十条: decided within 90 days of filing (calendar days); 第六十一条: served
    # within 7 days of the decision, working days by 第八十五条 (CASE-9).
    "penalty": DeadlinePolicy(90, "calendar", 7, "working"),
    # 行政许可法 第四十四条: the licence issued and served within 10 days of the decision,
    # working days by 第八十二条 (CASE-9).
    "license": DeadlinePolicy(None, "calendar", 10, "working"),
    # No statutory decision or service period the platform knows of: no deadline (CASE-9).
    "coercion": DeadlinePolicy(None, "calendar", None, "working"),
    "inspection": DeadlinePolicy(None, "calendar", None, "working"),
    "levy": DeadlinePolicy(None, "calendar", None, "working"),
    "requisition": DeadlinePolicy(None, "calendar", None, "working"),
}


def has_decision_deadline(policy: DeadlinePolicy) -> bool:
    return policy.decision_days is not None


def has_service_deadline(policy: DeadlinePolicy) -> bool:
    """CASE-9: only categories with a statutory service period (送达期限) get a service deadline."""
    return policy.service_days is not None


def decision_due(filed_on: date, policy: DeadlinePolicy) -> date | None:
    """The last day to decide; None when the category has no decision period (see
    ``has_decision_deadline``) or while its working days cannot be counted yet (the holiday
    calendar does not cover the period: the deadline exists, its day is filled in later)."""
    if policy.decision_days is None:
        return None
    return _due_or_none(filed_on, policy.decision_days, policy.decision_day_kind)


def service_due(decided_on: date, policy: DeadlinePolicy) -> date | None:
    """The last day to serve the decision; None when the category has no service period (see
    ``has_service_deadline``) or while the calendar does not cover it."""
    if policy.service_days is None:
        return None
    return _due_or_none(decided_on, policy.service_days, policy.service_day_kind)


def _due_or_none(start: date, days: int, kind: DayKind) -> date | None:
    try:
        return due_date(start, days, kind)
    except CalendarNotCovered:
        return None


#: A case in one of these has ended: its deadlines not met by then no longer run.
ENDED_STATUSES = frozenset({"transferred", "withdrawn", "closed", "archived"})


def deadline_status(
    due_on: date | None, met_on: date | None, today: date, case_status: str = "filed"
) -> DeadlineStatus:
    """CASE-9 and CONTRACT.md "deadlines": a deadline met after its last day reads ``met_late``
    for good — the breach stays visible after it is cured."""
    if met_on is not None:
        return "met_late" if is_breached(due_on, met_on) else "met"
    if case_status in ENDED_STATUSES:
        return "lapsed"
    if due_on is None:
        return "awaiting_calendar"
    return "overdue" if is_breached(due_on, today) else "open"


def is_breached(due_on: date | None, on: date) -> bool:
    """CASE-9: a deadline is breached on ``on`` when its last day has passed (a day unknown
    while it awaits the calendar is not yet breached)."""
    return due_on is not None and on > due_on


def days_late(due_on: date | None, met_on: date | None, today: date, case_status: str = "filed") -> int | None:
    """Calendar days past ``due_on``: when met late, ``met_on − due_on`` (fixed for good); while
    overdue, ``today − due_on`` (growing); otherwise None."""
    status = deadline_status(due_on, met_on, today, case_status)
    if status == "met_late":
        return (met_on - due_on).days  # type: ignore[operator]
    if status == "overdue":
        return (today - due_on).days  # type: ignore[operator]
    return None


#: Deadlines that may be extended with approval: the decision period of 行政处罚法 第六十条
#: ("法律、法规、规章另有规定的除外" — departmental rules allow an approved extension, CASE-9).
#: The service period of 第六十一条 has no such clause.
EXTENDABLE_KINDS: frozenset[str] = frozenset({"decision"})

ExtensionRefusal = Literal[
    "not_extendable", "not_later", "approved_in_future", "approved_before_filing", "approved_after_due"
]


def check_extension(
    kind: str,
    *,
    due_on: date | None,
    met_on: date | None,
    case_status: str,
    filed_on: date,
    new_due_on: date,
    approved_on: date,
    today: date,
) -> ExtensionRefusal | None:
    """CASE-9: why an approved extension of a deadline is refused, or None when it is allowed.

    Only an extendable kind (``EXTENDABLE_KINDS``) of a deadline still running (not met, case
    not ended, its last day known) is extended; the new last day is after the current one;
    the approval is dated between the filing and today, and no later than the current last
    day — an extension approved after the period ran out would erase a breach, which stays
    visible (CONTRACT.md "deadlines")."""
    if kind not in EXTENDABLE_KINDS or due_on is None or met_on is not None or case_status in ENDED_STATUSES:
        return "not_extendable"
    if new_due_on <= due_on:
        return "not_later"
    if approved_on > today:
        return "approved_in_future"
    if approved_on < filed_on:
        return "approved_before_filing"
    if is_breached(due_on, approved_on):
        return "approved_after_due"
    return None


def format_case_no(template: str, *, short_name: str, year: int, number: int) -> str:
    """Default template ``{short}〔{year}〕{n}号`` ⇒ ``城管〔2026〕12号``."""
    return template.format(short=short_name, year=year, n=number)


# --- CASE-3 at every step and at filing ----------------------------------------------------------

#: Actions that make a decision or act toward the party (调查取证, 审查决定, 送达, 执行): each needs
#: the policy's number of handlers qualified on the action's date (CASE-3, CASE-9), with the
#: body field that carries that date (absent: today).
QUALIFIED_HANDLER_ACTIONS: dict[str, str] = {
    "investigation": "started_on",
    "decision": "decided_on",
    "service": "served_on",
    "execution": "executed_on",
}


def earliest_filing_date(today: date, backdating_days: int) -> date:
    """CASE-3: the earliest ``filed_on`` a filing may carry — handlers are checked as of the
    filing date, so a filing dated far back would check them when nobody can tell any more."""
    return today - timedelta(days=backdating_days)


def filed_before_window(filed_on: date, today: date, backdating_days: int, *, may_backdate: bool) -> bool:
    """True when ``filed_on`` lies before the back-dating window and the caller may not import."""
    return not may_backdate and filed_on < earliest_filing_date(today, backdating_days)


# --- CASE-8 legal remedies ---------------------------------------------------------------------

#: A case with a decision (作出决定 or later): only a decision can be challenged (CASE-8).
DECIDED_STATUSES = frozenset({"decided", "served", "executed", "closed", "archived"})


def remedy_date_problem(
    filed_on: date, concluded_on: date | None, decided_on: date | None, today: date
) -> tuple[str, str] | None:
    """CASE-8: a remedy is filed between the decision and today and concludes between its
    filing and today. Returns (field, what is wrong) or None."""
    if decided_on is not None and filed_on < decided_on:
        return "filed_on", f"before the decision ({decided_on.isoformat()})"
    if filed_on > today:
        return "filed_on", "after today"
    if concluded_on is not None and concluded_on < filed_on:
        return "concluded_on", f"before filed_on ({filed_on.isoformat()})"
    if concluded_on is not None and concluded_on > today:
        return "concluded_on", "after today"
    return None


# --- STAT-7 penalty kinds (行政处罚法 第九条) -------------------------------------------------------

#: The kinds from the lightest to the heaviest: 第九条's groups (1) 警告、通报批评 → (5) 行政拘留
#: are heavier in that order, and within a group as the article lists them — the order of
#: ``PenaltyKind``; ``other`` (法律、行政法规规定的其他行政处罚) is not ranked by the article and
#: counts as the lightest.
PENALTY_KIND_ORDER: tuple[PenaltyKind, ...] = ("other", *(k for k in get_args(PenaltyKind) if k != "other"))


def canonical_penalty_kinds(kinds: Iterable[str]) -> list[PenaltyKind]:
    """The kinds once each, heaviest first."""
    given = set(kinds)
    return [kind for kind in reversed(PENALTY_KIND_ORDER) if kind in given]


def heaviest_penalty_kind(kinds: Iterable[str]) -> PenaltyKind | None:
    """STAT-7: a decision with several kinds counts once, under its heaviest."""
    ordered = canonical_penalty_kinds(kinds)
    return ordered[0] if ordered else None


def penalty_kinds_problem(
    category: str,
    kinds: Sequence[str],
    fine_amount: Decimal | None,
    confiscation_amount: Decimal | None,
    outcome: str | None = None,
) -> str | None:
    """What is wrong with a decision's ``penalty_outcome`` and ``penalty_kinds`` (STAT-7), or None.

    - Only a 行政处罚 (``penalty``) decision has an outcome (行政处罚法 第五十七条; ``imposed``
      when not given) or kinds; other categories name neither (their decisions are not 行政处罚).
    - An imposed penalty names at least one kind; one not imposed (不予行政处罚) or whose facts
      are not established names none and no amount.
    - ``fine`` is named exactly when ``fine_amount`` > 0 (罚款 is an amount).
    - A ``confiscation_amount`` > 0 needs ``confiscation``; ``confiscation`` without an amount is
      allowed (没收非法财物 may be goods not valued in the decision).
    """
    if category != "penalty":
        if outcome is not None:
            return f"a {category} decision is not a 行政处罚: penalty_outcome must be null"
        return f"a {category} decision is not a 行政处罚: penalty_kinds must be empty" if kinds else None
    if outcome not in (None, "imposed"):
        if kinds or fine_amount or confiscation_amount:
            return f"a decision {outcome} imposes nothing: penalty_kinds empty, no fine or confiscation amount"
        return None
    if not kinds:
        return "a penalty decision names its kinds (行政处罚法 第九条)"
    fined = fine_amount is not None and fine_amount > 0
    if fined and "fine" not in kinds:
        return "fine_amount is given: penalty_kinds must include fine"
    if "fine" in kinds and not fined:
        return "penalty_kinds includes fine: fine_amount must be greater than 0"
    if confiscation_amount is not None and confiscation_amount > 0 and "confiscation" not in kinds:
        return "confiscation_amount is given: penalty_kinds must include confiscation"
    return None


def penalty_outcome(category: str, outcome: str | None) -> str | None:
    """The outcome a decision records: a penalty case's, ``imposed`` unless it says otherwise."""
    return (outcome or "imposed") if category == "penalty" else None
