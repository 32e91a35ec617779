"""The owner's own counts of cases (``GET /cases:counts``) for stats-service's reconciliation
(CONTRACT.md stats-service ``/admin/reconciliation``).

STAT-7: a case counts once, in its category, in the period of the fact counted — ``filed``
by ``filed_on``, ``decided`` (with its hearings, amounts and penalty kinds) by ``decided_on``,
``closed`` by ``closed_on``; a penalty decision with several kinds counts once, under its
heaviest. The same facts stats-service reads from ``case.filed``, ``case.decided`` and
``case.closed``, so that both sides can be compared group by group.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.cases import rules
from case_service.cases.schemas import CaseCountRow, CaseCounts, CountsGroupBy
from case_service.models import Case, Unit
from enforcement_common.api.pagination import check_range
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, scope_clause, units_below, visible_units


def _key(group_by: CountsGroupBy | None, fact_date: Any) -> ColumnElement:
    if group_by == "category":
        return Case.category
    if group_by == "status":
        return Case.status
    if group_by == "unit":
        return Case.unit_id
    if group_by == "month":
        return func.to_char(fact_date, "YYYY-MM")
    return literal(None)


async def counts(
    session: AsyncSession,
    caller: Caller,
    *,
    unit_id: uuid.UUID | None,
    from_date: date,
    to_date: date,
    group_by: CountsGroupBy | None,
) -> CaseCounts:
    """Counts of the unit and its sub-units (the caller's scope: 404 for a unit outside it);
    without ``unit_id``, the caller's whole scope."""
    check_range("from/to", from_date, to_date)
    if unit_id is not None:
        await get_in_scope(session, caller, Unit, unit_id, "unit", unit_attr="id")
        units: frozenset[uuid.UUID] | None = await units_below(session, unit_id)
    else:
        units = await visible_units(session, caller)
    in_scope = scope_clause(Case.unit_id, units)

    rows: dict[str | None, dict[str, Any]] = defaultdict(_empty)
    for measure, column in (("filed", Case.filed_on), ("closed", Case.closed_on)):
        key = _key(group_by, column).label("key")
        result = await session.execute(
            select(key, func.count()).where(in_scope, column.between(from_date, to_date)).group_by(key)
        )
        for group, n in result:
            rows[_text(group)][measure] += n

    key = _key(group_by, Case.decided_on).label("key")
    decided = await session.execute(
        select(
            key,
            Case.category,
            Case.penalty_kinds,
            func.count(),
            func.count(Case.hearing_held_on),
            func.coalesce(func.sum(Case.fine_amount), 0),
            func.coalesce(func.sum(Case.confiscation_amount), 0),
        )
        .where(in_scope, Case.decided_on.between(from_date, to_date))
        .group_by(key, Case.category, Case.penalty_kinds)
    )
    for group, category, kinds, n, hearings, fines, confiscations in decided:
        row = rows[_text(group)]
        row["decided"] += n
        row["hearings"] += hearings
        row["fines_total"] += Decimal(fines)
        row["confiscations_total"] += Decimal(confiscations)
        heaviest = rules.heaviest_penalty_kind(kinds or [])
        if category == "penalty" and heaviest is not None:
            row["penalty_decisions"][heaviest] += n

    totals = _empty()
    for row in rows.values():
        for measure, value in row.items():
            totals[measure] += value
    return CaseCounts(
        unit_id=unit_id,
        from_date=from_date,
        to_date=to_date,
        group_by=group_by,
        rows=[_row(k, v) for k, v in sorted(rows.items(), key=lambda item: item[0] or "")],
        totals=_row(None, totals),
    )


def _empty() -> dict[str, Any]:
    return {
        "filed": 0,
        "decided": 0,
        "closed": 0,
        "hearings": 0,
        "fines_total": Decimal(0),
        "confiscations_total": Decimal(0),
        "penalty_decisions": Counter(),
    }


def _text(group: Any) -> str | None:
    return None if group is None else str(group)


def _row(key: str | None, values: dict[str, Any]) -> CaseCountRow:
    kinds = values["penalty_decisions"]
    return CaseCountRow(
        key=key,
        **{k: v for k, v in values.items() if k != "penalty_decisions"},
        penalty_decisions={kind: kinds[kind] for kind in reversed(rules.PENALTY_KIND_ORDER) if kinds[kind]},
    )
