"""A unit's self-review compliance for a period (year, half year, quarter), rolled up over its
sub-units: the REV-6 rate against the policy target, the REV-17 flag (below the target, not
only zero reviews), the REV-5 breaches (a late transfer stays overdue) and REV-10 (a year
ended without a hierarchical inspection)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.tables import unit_tree
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope
from enforcement_common.calendar import today
from enforcement_common.policies import resolve
from review_service import errors, rules
from review_service.compliance.schemas import ComplianceFigures, ComplianceRead
from review_service.models import Inspection, Obligation
from review_service.policy import REVIEW_POLICIES


async def _subtree(session: AsyncSession, root: uuid.UUID) -> dict[uuid.UUID, uuid.UUID | None]:
    """unit → parent for ``root`` and every unit below it (the unit tree read model)."""
    below = select(unit_tree.c.unit_id, unit_tree.c.parent_id).where(unit_tree.c.unit_id == root).cte(recursive=True)
    below = below.union(
        select(unit_tree.c.unit_id, unit_tree.c.parent_id).join(below, unit_tree.c.parent_id == below.c.unit_id)
    )
    return dict((await session.execute(select(below.c.unit_id, below.c.parent_id))).all())


def _descendants(tree: dict[uuid.UUID, uuid.UUID | None], unit: uuid.UUID) -> set[uuid.UUID]:
    children: dict[uuid.UUID | None, list[uuid.UUID]] = defaultdict(list)
    for child, parent in tree.items():
        children[parent].append(child)
    found, stack = set(), [unit]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


async def _figures(
    session: AsyncSession,
    unit_id: uuid.UUID,
    rows: Iterable[Obligation],
    inspections: int,
    year: int,
    policy_on: date,
) -> ComplianceFigures:
    rows = list(rows)
    now = today()
    policy = await resolve(session, REVIEW_POLICIES, unit_id, policy_on)  # the target in force at the period's end
    target = policy.values.self_review_rate_target
    excluded = sum(o.status == "excluded" for o in rows)
    reviewed = sum(o.status == "reviewed" for o in rows)
    overdue_pending = sum(o.status == "pending" and now > o.due_on for o in rows)
    transferred_late = sum(o.status != "excluded" and o.days_late is not None for o in rows)
    # REV-6 counts the files that fell due (or were reviewed early); those still within their period wait.
    rate = rules.self_review_rate(
        reviewed, sum(o.status == "reviewed" or (o.status != "excluded" and now > o.due_on) for o in rows)
    )
    return ComplianceFigures(
        unit_id=unit_id,
        obligations=len(rows),
        excluded=excluded,
        reviewed=reviewed,
        submitted=sum(o.status == "submitted" for o in rows),
        pending=sum(o.status == "pending" for o in rows) - overdue_pending,
        overdue=overdue_pending + transferred_late,
        overdue_pending=overdue_pending,
        transferred_late=transferred_late,
        self_review_rate=rate,
        target_rate=target / 100,
        meets_target=rules.meets_rate_target(rate, target),
        rev17_flag=rules.rev17_flag(rate, target),
        inspections_in_year=inspections,
        rev10_flag=rules.inspection_missing(year, inspections, now),
        policy_id=policy.policy_id,
    )


async def of_unit(
    session: AsyncSession, caller: Caller, unit_id: uuid.UUID, *, period: str | None, year: int | None
) -> ComplianceRead:
    """Compliance of ``unit_id`` and its sub-units for ``period`` (or the calendar ``year``)."""
    await ensure_in_scope(session, caller, unit_id, "unit")
    if period is None and year is None:
        raise errors.COMPLIANCE_PERIOD_REQUIRED("Give period (2026, 2026H1, 2026Q3) or year.", basis=["REV-6"])
    period = period or str(year)
    start, end = rules.period_bounds(period)
    if year is not None and year != start.year:
        raise errors.COMPLIANCE_PERIOD_REQUIRED(f"year {year} is not the year of period {period}.", basis=["REV-6"])
    tree = await _subtree(session, unit_id)
    obligations = (
        await session.scalars(
            select(Obligation).where(Obligation.unit_id.in_(tree), Obligation.closed_on.between(start, end))
        )
    ).all()
    inspected = dict(
        (
            await session.execute(
                select(Inspection.unit_id, func.count())
                .where(Inspection.unit_id.in_(tree), Inspection.year == start.year)
                .group_by(Inspection.unit_id)
            )
        ).all()
    )

    async def rolled_up(unit: uuid.UUID) -> ComplianceFigures:
        units = _descendants(tree, unit)
        return await _figures(
            session, unit, (o for o in obligations if o.unit_id in units), inspected.get(unit, 0), start.year, end
        )

    total = await rolled_up(unit_id)
    children = sorted(child for child, parent in tree.items() if parent == unit_id and child != unit_id)
    return ComplianceRead(
        **total.model_dump(),
        period=period,
        period_start=start,
        period_end=end,
        year=start.year,
        includes_sub_units=len(tree) > 1,
        sub_units=[await rolled_up(child) for child in children],
    )
