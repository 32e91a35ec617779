"""Pure counting rules of 行政执法统计 (STAT-2 … STAT-8), used by the projection, the queries
and the reports; no I/O, unit-tested in ``tests/unit``."""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

#: The version of the figures' definitions a frozen report was computed with (bumped when a
#: counting rule changes, so an auditor knows which definitions a published figure used).
CATALOGUE_VERSION = "stat-catalogue-2026.1"

CATEGORIES: tuple[str, ...] = ("penalty", "license", "coercion", "inspection", "levy", "requisition")
CATEGORY_ZH = {
    "penalty": "行政处罚",
    "license": "行政许可",
    "coercion": "行政强制",
    "inspection": "行政检查",
    "levy": "行政征收",
    "requisition": "行政征用",
}

# 行政处罚法 第九条: the kinds (种类) of penalty, heavier from (1) to (5); (6) other kinds set by
# law rank below them — a decision counts once, under its heaviest kind (STAT-7).
PENALTY_CLASS: dict[str, int] = {
    "warning": 1,
    "circulated_criticism": 1,
    "fine": 2,
    "confiscation": 2,
    "license_suspension": 3,
    "qualification_downgrade": 3,
    "license_revocation": 3,
    "business_restriction": 4,
    "suspension_of_production": 4,
    "closure": 4,
    "employment_restriction": 4,
    "detention": 5,
    "other": 0,
}
#: The heaviest-kind columns of the report, by class (k0 = 其他).
PENALTY_CLASSES: tuple[str, ...] = ("k1", "k2", "k3", "k4", "k5", "k0")
PENALTY_CLASS_ZH = {
    "k1": "警告、通报批评",
    "k2": "罚款、没收违法所得、没收非法财物",
    "k3": "暂扣许可证件、降低资质等级、吊销许可证件",
    "k4": "限制开展生产经营活动、责令停产停业、责令关闭、限制从业",
    "k5": "行政拘留",
    "k0": "其他行政处罚",
}

NO_DUTY = "无相关职责"  # STAT-8: a unit without the duty shows this, not 0

#: Measures counted per unit × day × category.
COUNT_MEASURES = ("filed", "decided", "closed", "hearings")
AMOUNT_MEASURES = ("fines", "confiscations")

Key = tuple[uuid.UUID, date, str, str]  # unit, day, category, measure


def heaviest_penalty_class(kinds: Iterable[str]) -> str | None:
    """STAT-7: the class a decision with several kinds counts under, once (None: no kind)."""
    classes = [PENALTY_CLASS[k] for k in kinds]
    if not classes:
        return None
    return f"k{max(classes)}"


@dataclass(frozen=True)
class CaseFacts:
    """What the projection knows of one case (from case.filed / case.decided / case.closed)."""

    unit_id: uuid.UUID
    category: str
    filed_on: date | None = None
    decided_on: date | None = None
    closed_on: date | None = None
    penalty_kinds: tuple[str, ...] = ()
    fine_amount: Decimal | None = None
    confiscation_amount: Decimal | None = None
    hearing_held: bool = False
    closed_fine_amount: Decimal | None = None
    closed_confiscation_amount: Decimal | None = None
    closed_hearing_held: bool | None = None


def contributions(facts: CaseFacts | None) -> dict[Key, Decimal]:
    """STAT-5c/STAT-7: what one case adds to the counters — once, in its category, on the day of
    each fact counted (filed_on, decided_on, closed_on). Fines, confiscations and a hearing are
    the decision's (罚没金额 of the decision document); the closure's only when no decision was seen."""
    if facts is None:
        return {}
    out: dict[Key, Decimal] = {}
    unit, cat = facts.unit_id, facts.category

    def add(day: date, measure: str, value: Decimal) -> None:
        if value:
            out[(unit, day, cat, measure)] = out.get((unit, day, cat, measure), Decimal(0)) + value

    if facts.filed_on is not None:
        add(facts.filed_on, "filed", Decimal(1))
    if facts.closed_on is not None:
        add(facts.closed_on, "closed", Decimal(1))
    if facts.decided_on is not None:
        add(facts.decided_on, "decided", Decimal(1))
        heaviest = heaviest_penalty_class(facts.penalty_kinds) if cat == "penalty" else None
        if heaviest is not None:
            add(facts.decided_on, f"penalty:{heaviest}", Decimal(1))
        add(facts.decided_on, "fines", facts.fine_amount or Decimal(0))
        add(facts.decided_on, "confiscations", facts.confiscation_amount or Decimal(0))
        add(facts.decided_on, "hearings", Decimal(1 if facts.hearing_held else 0))
    elif facts.closed_on is not None:
        add(facts.closed_on, "fines", facts.closed_fine_amount or Decimal(0))
        add(facts.closed_on, "confiscations", facts.closed_confiscation_amount or Decimal(0))
        add(facts.closed_on, "hearings", Decimal(1 if facts.closed_hearing_held else 0))
    return out


def deltas(before: CaseFacts | None, after: CaseFacts | None) -> dict[Key, Decimal]:
    """The change the counters need when a case's facts change (zero for an event applied twice)."""
    old, new = contributions(before), contributions(after)
    out = {}
    for key in old.keys() | new.keys():
        change = new.get(key, Decimal(0)) - old.get(key, Decimal(0))
        if change:
            out[key] = change
    return out


# --- periods ------------------------------------------------------------------------------

PERIOD_PATTERN = r"^\d{4}(Q[1-4]|H[12]|-(0[1-9]|1[0-2]))?$"
Grouping = Literal["category", "unit", "day", "month", "quarter", "half", "year"]


def period_range(period: str) -> tuple[date, date]:
    """A report period — ``2026``, ``2026Q1``, ``2026H1``, ``2026-03`` — as first and last day."""
    if not re.match(PERIOD_PATTERN, period):
        raise ValueError(f"not a period: {period!r}")
    year = int(period[:4])
    rest = period[4:]
    if not rest:
        return date(year, 1, 1), date(year, 12, 31)
    if rest.startswith("Q"):
        q = int(rest[1])
        first = 3 * (q - 1) + 1
        return date(year, first, 1), date(year, first + 2, calendar.monthrange(year, first + 2)[1])
    if rest.startswith("H"):
        return (date(year, 1, 1), date(year, 6, 30)) if rest == "H1" else (date(year, 7, 1), date(year, 12, 31))
    month = int(rest[1:])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def bucket(day: date, grouping: str) -> str:
    """The label of the period ``day`` falls in, for ``group_by`` of a time unit."""
    if grouping == "day":
        return day.isoformat()
    if grouping == "month":
        return f"{day.year}-{day.month:02d}"
    if grouping == "quarter":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if grouping == "half":
        return f"{day.year}H{1 if day.month <= 6 else 2}"
    if grouping == "year":
        return str(day.year)
    raise ValueError(grouping)


def annual_report_due_on(year: int, due_month: int, due_day: int) -> date:
    """STAT-6: the annual report of ``year`` is due on the policy's day of the next year (31 January)."""
    last = calendar.monthrange(year + 1, due_month)[1]
    return date(year + 1, due_month, min(due_day, last))


def deadline_status(due_on: date, met_on: date | None, on: date) -> tuple[str, int | None]:
    """A deadline's status (CONTRACT.md deadlines): open, met, met_late (days late kept) or overdue."""
    if met_on is not None:
        late = (met_on - due_on).days
        return ("met_late", late) if late > 0 else ("met", None)
    return ("overdue", (on - due_on).days) if on > due_on else ("open", None)


# --- figures --------------------------------------------------------------------------------


def to_wan_yuan(amount: Decimal) -> Decimal:
    """STAT-7: 罚没金额 in 万元, to four places (exact: 1 元 = 0.0001 万元)."""
    return (amount / Decimal(10000)).quantize(Decimal("0.0001"))


def duty_cell(has_duty: bool, value: Any) -> Any:
    """STAT-8: 无相关职责 where the unit has no duty for the category; the figure (0 too) where it has."""
    return value if has_duty else NO_DUTY


def is_enforcement_officer(staff_type: str) -> bool:
    """The denominator of 持证率: serving staff (在编, 聘用), not retired or former staff (INT-2)."""
    return staff_type in ("established", "contract")


def holds_certificate(
    on: date, *, staff_type: str, certificate_no: str | None, expires_on: date | None, qualification_status: str
) -> bool:
    """STAT-5b/STAT-8: a serving officer with a certificate valid on ``on`` and an active qualification."""
    return (
        is_enforcement_officer(staff_type)
        and bool(certificate_no)
        and expires_on is not None
        and expires_on >= on
        and qualification_status == "active"
    )


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """A rate to four places (None without a denominator: not 0, nothing to divide)."""
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"))


def roll_up(rows: Iterable[tuple[str, Mapping[str, Decimal]]]) -> dict[str, dict[str, Decimal]]:
    """Sum measure maps per group label."""
    out: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for label, measures in rows:
        target = out[label]
        for measure, value in measures.items():
            target[measure] = target.get(measure, Decimal(0)) + value
    return dict(out)


def canonical_json(value: Any) -> str:
    """The one serialisation a report's hash is computed over (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_hash(content: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(content).encode()).hexdigest()


def positions_reached(current: Mapping[str, int], wanted: Mapping[str, int]) -> bool:
    """as_of: every ``topic:partition`` asked for is applied at least up to the offset asked."""
    return all(current.get(key, 0) >= offset for key, offset in wanted.items())


def parse_positions(text: str) -> dict[str, int]:
    """``min_positions`` as ``topic:partition=offset,…`` (the keys ``as_of.positions`` uses)."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, offset = part.rpartition("=")
        topic, colon, partition = key.rpartition(":")
        if not sep or not colon or not topic or not partition.isdigit() or not offset.isdigit():
            raise ValueError(f"not a position: {part!r} (topic:partition=offset)")
        out[f"{topic}:{int(partition)}"] = int(offset)
    return out
