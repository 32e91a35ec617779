"""Pure rules of enforcement cases — no I/O, unit-tested directly.

The lifecycle (CASE-2), the legal-review gate for major decisions (CASE-4),
handler qualification and count (CASE-3, CASE-9), statutory deadlines (CASE-9)
and case numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from enforcement_common.calendar import CalendarNotCovered, DayKind, due_date
from enforcement_common.contracts.case import CaseCategory, CaseStatus

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


@dataclass(frozen=True)
class DeadlinePolicy:
    """CASE-9, configurable per category: days and how they are counted."""

    decision_days: int | None  # from filing; None = no statutory decision period
    decision_day_kind: DayKind
    service_days: int
    service_day_kind: DayKind


DEFAULT_DEADLINES: dict[str, DeadlinePolicy] = {
    # 行政处罚法 第六十条: decided within 90 days of filing (calendar days).
    "penalty": DeadlinePolicy(90, "calendar", 7, "working"),
    # 第六十一条: served within 7 days of the decision; periods under 10 days count working days (CASE-9).
    "license": DeadlinePolicy(None, "calendar", 7, "working"),
    "coercion": DeadlinePolicy(None, "calendar", 7, "working"),
    "inspection": DeadlinePolicy(None, "calendar", 7, "working"),
    "levy": DeadlinePolicy(None, "calendar", 7, "working"),
    "requisition": DeadlinePolicy(None, "calendar", 7, "working"),
}


def has_decision_deadline(policy: DeadlinePolicy) -> bool:
    return policy.decision_days is not None


def decision_due(filed_on: date, policy: DeadlinePolicy) -> date | None:
    """The last day to decide; None when the category has no decision period (see
    ``has_decision_deadline``) or while its working days cannot be counted yet (the holiday
    calendar does not cover the period: the deadline exists, its day is filled in later)."""
    if policy.decision_days is None:
        return None
    return _due_or_none(filed_on, policy.decision_days, policy.decision_day_kind)


def service_due(decided_on: date, policy: DeadlinePolicy) -> date | None:
    """The last day to serve the decision, or None while the calendar does not cover it."""
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
) -> Literal["open", "met", "overdue", "awaiting_calendar", "lapsed"]:
    if met_on is not None:
        return "met"
    if case_status in ENDED_STATUSES:
        return "lapsed"
    if due_on is None:
        return "awaiting_calendar"
    return "overdue" if today > due_on else "open"


def format_case_no(template: str, *, short_name: str, year: int, number: int) -> str:
    """Default template ``{short}〔{year}〕{n}号`` ⇒ ``城管〔2026〕12号``."""
    return template.format(short=short_name, year=year, n=number)
