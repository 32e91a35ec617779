"""Statistics queries over one generation of the projection (the live one for /stats/*, a
scratch one when a report is re-derived): roll-up over the unit tree and any period."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from typing import Any, get_args

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.tables import unit_tree
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, not_found
from enforcement_common.contracts.accountability import ErrorSource, Sanction
from stats_service import errors, rules
from stats_service.models import (
    ProjectionState,
    StatCounter,
    StatErrorCase,
    StatObligation,
    StatOfficerState,
    StatRespondent,
    StatReview,
    StatSanction,
    StatToleranceDecision,
    StatTraining,
    StatUnit,
)
from stats_service.projection.service import lag_seconds, live_generation, positions_of
from stats_service.stats.schemas import AsOf

#: The longest a query waits for ``min_positions`` (seconds).
MAX_WAIT_MS = 10_000

_SUBTREE = text(
    """
    WITH RECURSIVE below(unit_id) AS (
        SELECT CAST(:root AS uuid)
        UNION
        SELECT u.unit_id FROM stat_units u JOIN below b ON u.parent_id = b.unit_id WHERE u.gen = :gen
    )
    SELECT unit_id FROM below
    """
)


async def reading(
    session: AsyncSession, caller: Caller, unit_id: uuid.UUID, min_positions: str | None, wait_ms: int
) -> tuple[int, AsOf]:
    """Scope check, then wait (bounded) for ``min_positions``, then hold the projection still
    for the rest of the transaction (``FOR SHARE`` of the state row: no event is applied
    between the positions read and the figures) — the generation and its ``as_of``. An unknown
    unit is the same 404 as one outside the caller's scope."""
    if await session.scalar(select(unit_tree.c.unit_id).where(unit_tree.c.unit_id == unit_id)) is None:
        raise not_found("unit")
    await ensure_in_scope(session, caller, unit_id, "unit")
    wanted: dict[str, int] = {}
    if min_positions:
        try:
            wanted = rules.parse_positions(min_positions)
        except ValueError as exc:
            raise errors.INVALID_POSITIONS(str(exc)) from None
    deadline = time.monotonic() + min(wait_ms, MAX_WAIT_MS) / 1000
    while wanted:
        gen = await live_generation(session)
        if rules.positions_reached(await positions_of(session, gen), wanted):
            break
        if time.monotonic() >= deadline:
            current = await positions_of(session, gen)
            behind = {
                k: {"wanted": v, "applied": current.get(k, 0)} for k, v in wanted.items() if current.get(k, 0) < v
            }
            raise errors.PROJECTION_BEHIND(
                "The statistics have not yet applied the events asked for; retry later or wait longer (wait_ms).",
                behind=behind,
            )
        await asyncio.sleep(0.05)
    gen = (
        await session.execute(
            select(ProjectionState.live_gen).where(ProjectionState.id == 1).with_for_update(read=True)
        )
    ).scalar_one()
    return gen, await as_of(session, gen)


async def as_of(session: AsyncSession, gen: int) -> AsOf:
    return AsOf(positions=await positions_of(session, gen), lag_seconds=round(await lag_seconds(session, gen), 3))


async def subtree(session: AsyncSession, gen: int, unit_id: uuid.UUID) -> list[uuid.UUID]:
    """The unit and every unit below it (a county includes every unit below it)."""
    return list((await session.execute(_SUBTREE, {"root": unit_id, "gen": gen})).scalars())


_SUBTREE_UNITS = text(
    """
    WITH RECURSIVE below(unit_id) AS (
        SELECT CAST(:root AS uuid)
        UNION
        SELECT u.unit_id FROM stat_units u JOIN below b ON u.parent_id = b.unit_id WHERE u.gen = :gen
    )
    SELECT b.unit_id, u.name, u.code, u.duties
    FROM below b LEFT JOIN stat_units u ON u.gen = :gen AND u.unit_id = b.unit_id
    """
)


async def subtree_units(session: AsyncSession, gen: int, unit_id: uuid.UUID) -> list[Any]:
    """The subtree's units with their name, code and duties (None for a unit no event described) — one query."""
    return list((await session.execute(_SUBTREE_UNITS, {"root": unit_id, "gen": gen})).all())


async def units_of(session: AsyncSession, gen: int, unit_ids: list[uuid.UUID]) -> dict[uuid.UUID, StatUnit]:
    rows = await session.scalars(select(StatUnit).where(StatUnit.gen == gen, StatUnit.unit_id.in_(unit_ids)))
    return {u.unit_id: u for u in rows}


def check_range(start: date, end: date) -> None:
    if end < start:
        raise errors.INVALID_PERIOD("'to' is before 'from'")


def resolve_period(period: str | None, start: date | None, end: date | None) -> tuple[date, date]:
    """A named period (``2026``, ``2026Q1``, ``2026H1``, ``2026-03``) or a custom range."""
    if period:
        try:
            return rules.period_range(period)
        except ValueError as exc:
            raise errors.INVALID_PERIOD(str(exc)) from None
    if start is None or end is None:
        raise errors.INVALID_PERIOD("Give a period, or both from and to")
    check_range(start, end)
    return start, end


# --- cases (STAT-5c, STAT-7, STAT-8) ----------------------------------------------------------------


def _figures(key: str, label: str, measures: dict[str, Decimal], no_duty: bool = False) -> dict[str, Any]:
    if no_duty:  # STAT-8: 无相关职责, not 0
        return {
            "key": key,
            "label": label,
            "no_duty": True,
            "filed": None,
            "decided": None,
            "closed": None,
            "hearings": None,
            "fines_total": None,
            "confiscations_total": None,
            "penalty_decisions_by_kind": None,
        }
    return {
        "key": key,
        "label": label,
        "no_duty": False,
        "filed": int(measures.get("filed", 0)),
        "decided": int(measures.get("decided", 0)),
        "closed": int(measures.get("closed", 0)),
        "hearings": int(measures.get("hearings", 0)),
        "fines_total": Decimal(measures.get("fines", 0)).quantize(Decimal("0.01")),
        "confiscations_total": Decimal(measures.get("confiscations", 0)).quantize(Decimal("0.01")),
        "penalty_decisions_by_kind": {k: int(measures.get(f"penalty:{k}", 0)) for k in rules.PENALTY_CLASSES},
    }


async def case_figures(
    session: AsyncSession, gen: int, unit_id: uuid.UUID, start: date, end: date, group_by: str
) -> dict[str, Any]:
    """Counters summed over the unit's subtree and the period, grouped (category, unit or a time unit)."""
    tree = await subtree_units(session, gen, unit_id)
    units = [u.unit_id for u in tree]
    known = {u.unit_id: u for u in tree if u.name is not None}
    dimension = {
        "category": StatCounter.category,
        "unit": StatCounter.unit_id,
    }.get(group_by, StatCounter.day)
    rows = await session.execute(
        select(dimension, StatCounter.measure, func.sum(StatCounter.value))
        .where(
            StatCounter.gen == gen,
            StatCounter.unit_id.in_(units),
            StatCounter.day >= start,
            StatCounter.day <= end,
        )
        .group_by(dimension, StatCounter.measure)
    )
    grouped: dict[str, dict[str, Decimal]] = defaultdict(dict)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for key, measure, value in rows:
        label = str(key) if group_by in ("category", "unit") else rules.bucket(key, group_by)
        grouped[label][measure] = grouped[label].get(measure, Decimal(0)) + value
        totals[measure] += value
    duties = {d for u in known.values() for d in u.duties}
    groups: list[dict[str, Any]] = []
    if group_by == "category":
        for category in rules.CATEGORIES:  # every category: 0 when the duty exists, 无相关职责 when not
            measures = grouped.get(category, {})
            groups.append(
                _figures(
                    category, rules.CATEGORY_ZH[category], measures, no_duty=category not in duties and not measures
                )
            )
    elif group_by == "unit":
        for uid in sorted(units, key=lambda u: (known[u].code if u in known else "", str(u))):
            groups.append(_figures(str(uid), known[uid].name if uid in known else str(uid), grouped.get(str(uid), {})))
    else:
        for label in sorted(grouped):
            groups.append(_figures(label, label, grouped[label]))
    return {
        "unit_id": unit_id,
        "from": start,
        "to": end,
        "group_by": group_by,
        "groups": groups,
        "totals": _figures("total", "合计", totals),
    }


# --- training (STAT-5a) ------------------------------------------------------------------------


async def officer_states_on(session: AsyncSession, gen: int, on: date) -> dict[uuid.UUID, StatOfficerState]:
    """Every officer's state on a date (the latest event effective on or before it)."""
    rows = await session.scalars(
        select(StatOfficerState)
        .where(StatOfficerState.gen == gen, StatOfficerState.effective_on <= on)
        .order_by(StatOfficerState.officer_id, StatOfficerState.effective_on.desc(), StatOfficerState.seq.desc())
        .ext(distinct_on(StatOfficerState.officer_id))
    )
    return {row.officer_id: row for row in rows}


async def training_figures(session: AsyncSession, gen: int, unit_id: uuid.UUID, start: date, end: date) -> dict:
    units = set(await subtree(session, gen, unit_id))
    officers = await officer_states_on(session, gen, end)
    trainings = (
        await session.scalars(
            select(StatTraining).where(
                StatTraining.gen == gen, StatTraining.start_date >= start, StatTraining.start_date <= end
            )
        )
    ).all()
    trained: set[uuid.UUID] = set()
    hours = Decimal(0)
    attended = 0
    held = held_attendees = 0
    held_hours = Decimal(0)
    for t in sorted(trainings, key=lambda t: str(t.training_id)):
        ours = [o for o in t.attendee_ids if o in officers and officers[o].unit_id in units]
        if ours:
            attended += 1
            trained.update(ours)
            hours += t.hours * len(ours)
        if t.kind == "held" and t.organizer_unit_id in units:
            held += 1
            held_attendees += len(t.attendee_ids)
            held_hours += t.hours
    return {
        "unit_id": unit_id,
        "from": start,
        "to": end,
        "officers_trained": len(trained),
        "training_hours": hours.quantize(Decimal("0.01")),
        "trainings_attended": attended,
        "courses_held": held,
        "course_attendees": held_attendees,
        "course_hours": held_hours.quantize(Decimal("0.01")),
    }


# --- certificates (STAT-5b, STAT-8) ----------------------------------------------------------------


async def certificate_figures(session: AsyncSession, gen: int, unit_id: uuid.UUID, on: date, group_by: str) -> dict:
    units = await subtree(session, gen, unit_id)
    known = await units_of(session, gen, units)
    officers = [s for s in (await officer_states_on(session, gen, on)).values() if s.unit_id in set(units)]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    labels: dict[str, str] = {}
    for s in officers:
        if not rules.is_enforcement_officer(s.staff_type):
            continue
        unit = known.get(s.unit_id)
        if group_by == "region":
            key = (unit.region_code if unit else None) or "unknown"
            labels[key] = key
        else:
            key = str(s.unit_id)
            labels[key] = unit.name if unit else key
        counts[key][0] += 1
        counts[key][1] += rules.holds_certificate(
            on,
            staff_type=s.staff_type,
            certificate_no=s.certificate_no,
            expires_on=s.certificate_expires_on,
            qualification_status=s.qualification_status,
        )
    groups = [
        {"key": k, "label": labels[k], "officers": n, "holders": h, "holder_rate": rules.ratio(h, n)}
        for k, (n, h) in sorted(counts.items())
    ]
    total_n = sum(n for n, _ in counts.values())
    total_h = sum(h for _, h in counts.values())
    return {
        "unit_id": unit_id,
        "on": on,
        "group_by": group_by,
        "groups": groups,
        "totals": {
            "key": "total",
            "label": "合计",
            "officers": total_n,
            "holders": total_h,
            "holder_rate": rules.ratio(total_h, total_n),
        },
    }


# --- reviews, tolerance, accountability -------------------------------------------------------------


async def _of_units_in_period(
    session: AsyncSession, model: Any, gen: int, units: list[uuid.UUID], day: Any, start: date, end: date
) -> list[Any]:
    """The generation's rows of ``model`` of the units whose ``day`` falls in the period."""
    statement = select(model).where(model.gen == gen, model.unit_id.in_(units), day >= start, day <= end)
    return list((await session.scalars(statement)).all())


async def review_figures(session: AsyncSession, gen: int, unit_id: uuid.UUID, start: date, end: date) -> dict:
    units = await subtree(session, gen, unit_id)
    obligations = await _of_units_in_period(session, StatObligation, gen, units, StatObligation.closed_on, start, end)
    self_reviewed_cases = set(
        (
            await session.scalars(
                select(StatReview.case_id).where(
                    StatReview.gen == gen,
                    StatReview.kind == "self",
                    StatReview.voided.is_(False),
                    StatReview.case_id.in_([o.case_id for o in obligations]),
                )
            )
        ).all()
    )
    counted = [o for o in obligations if not o.excluded]  # REV-12: excluded files are not reviewed
    reviewed = sum(o.case_id in self_reviewed_cases for o in counted)
    reviews = [
        r
        for r in await _of_units_in_period(session, StatReview, gen, units, StatReview.completed_on, start, end)
        if not r.voided  # REV-12
    ]
    return {
        "unit_id": unit_id,
        "from": start,
        "to": end,
        "obligations": len(obligations),
        "excluded": len(obligations) - len(counted),
        "overdue": sum(o.overdue for o in counted),
        "self_reviewed": reviewed,
        "self_review_rate": rules.ratio(reviewed, len(counted)),  # REV-6
        "reviews_by_grade": {g: sum(r.grade == g for r in reviews) for g in ("excellent", "qualified", "unqualified")},
        "reviews_by_kind": {k: sum(r.kind == k for r in reviews) for k in ("self", "hierarchical", "cross", "spot")},
    }


TOLERANCE_OUTCOMES = ("due_diligence", "exempted", "mitigated", "rejected")
#: Outcomes that relieve the officer of liability: never counted as an enforcement error (TOL-15).
RELIEVING = ("due_diligence", "exempted")


async def tolerance_figures(session: AsyncSession, gen: int, unit_id: uuid.UUID, start: date, end: date) -> dict:
    units = await subtree(session, gen, unit_id)
    decisions = await _of_units_in_period(
        session, StatToleranceDecision, gen, units, StatToleranceDecision.decided_on, start, end
    )
    outcomes = Counter(d.outcome for d in decisions)
    relieved = {o for d in decisions if d.outcome in RELIEVING for o in d.officer_ids}
    return {
        "unit_id": unit_id,
        "from": start,
        "to": end,
        "decisions_by_outcome": {o: outcomes.get(o, 0) for o in TOLERANCE_OUTCOMES},
        "officers_relieved": len(relieved),
    }


ERROR_SOURCES: tuple[str, ...] = get_args(ErrorSource)  # ERR-5
SANCTIONS: tuple[str, ...] = get_args(Sanction)  # ERR-11


async def accountability_figures(session: AsyncSession, gen: int, unit_id: uuid.UUID, start: date, end: date) -> dict:
    units = await subtree(session, gen, unit_id)
    opened = await _of_units_in_period(session, StatErrorCase, gen, units, StatErrorCase.opened_on, start, end)
    decided = await _of_units_in_period(session, StatErrorCase, gen, units, StatErrorCase.decided_on, start, end)
    errors_found = [c for c in decided if c.is_error_case]
    respondents = (
        await session.scalars(
            select(StatRespondent).where(
                StatRespondent.gen == gen, StatRespondent.error_case_id.in_([c.error_case_id for c in errors_found])
            )
        )
    ).all()
    # TOL-15: a respondent granted tolerance for the case (due diligence or exemption) is not an
    # enforcement error — whether accountability marked it tolerated or the decision came later.
    relieved = {
        (d.case_id, o)
        for d in await session.scalars(
            select(StatToleranceDecision).where(
                StatToleranceDecision.gen == gen, StatToleranceDecision.outcome.in_(RELIEVING)
            )
        )
        for o in d.officer_ids
    }
    case_of = {c.error_case_id: c.case_id for c in errors_found}
    tolerated = [r for r in respondents if r.tolerated or (case_of[r.error_case_id], r.officer_id) in relieved]
    sanctions = await _of_units_in_period(session, StatSanction, gen, units, StatSanction.effective_on, start, end)
    # a sanction withdrawn (TOL-15 granted later, an appeal — ERR-12) is not a sanction, whenever withdrawn
    withdrawn = {
        (row.error_case_id, row.officer_id, kind)
        for row in await session.scalars(
            select(StatSanction).where(StatSanction.gen == gen, StatSanction.withdrawn.is_(True))
        )
        for kind in row.sanctions
    }
    by_kind = Counter(
        kind
        for row in sanctions
        if not row.withdrawn
        for kind in row.sanctions
        if (row.error_case_id, row.officer_id, kind) not in withdrawn
    )
    return {
        "unit_id": unit_id,
        "from": start,
        "to": end,
        "error_cases_by_source": {s: sum(c.source == s for c in opened) for s in ERROR_SOURCES},
        "determinations": len(decided),
        "error_determinations": len(errors_found),
        "error_respondents": len(respondents) - len(tolerated),
        "tolerated_respondents": len(tolerated),
        "sanctions_by_kind": {s: by_kind.get(s, 0) for s in SANCTIONS},
    }
