"""Risk warnings (易错风险点 警示提醒, TOL-18): frequent or concentrated grounds — the same
ground, the same case category, the same unit — within the policy's window and threshold,
detected as applications come in.

A key's window is the earliest span of the policy's ``risk_window_days`` around the new
incident holding at least the policy's threshold of the key's applications (incidents come
in any order), never overlapping the key's other windows, so an application counts in one
window only. Reaching the threshold issues one warning and one ``tolerance.risk_alert``;
later applications of that window join the warning without a second alert. Filings of one
unit take an advisory lock for this step."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import list_in_scope
from enforcement_common.calendar import today
from enforcement_common.contracts.tolerance import ToleranceRiskAlert
from tolerance_service import rules
from tolerance_service.events import emit
from tolerance_service.models import Application, RiskWarning
from tolerance_service.policy import ToleranceValues
from tolerance_service.risk.schemas import RiskWarningRead


def _grounds(claimed: dict) -> list[str]:
    grounds = claimed["grounds"]
    return [*grounds["due_diligence"], *grounds["tolerance"], *grounds["mitigation"]]


def _counts_towards(row, key: rules.RiskKey) -> bool:
    """Whether an application of the unit (``row``) counts towards ``key``."""
    if key.dimension == "unit":
        return True
    if key.dimension == "category":
        return row.case_category == key.value
    return key.value in _grounds(row.claimed)


async def record(session: AsyncSession, application: Application, values: ToleranceValues) -> list[RiskWarning]:
    """Count ``application`` towards each of its keys; the warnings it issued (TOL-18).

    Three round trips whatever the number of keys: the unit's lock (filings of one unit take
    turns here, so two never both miss a warning), the unit's warnings near the incident,
    and the unit's applications near it; the windows are then found in Python."""
    window = timedelta(days=values.risk_window_days - 1)
    low, high = application.incident_on - window, application.incident_on + window
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"tolerance-risk/{application.unit_id}"}
    )
    nearby = (
        await session.scalars(
            select(RiskWarning).where(
                RiskWarning.unit_id == application.unit_id,
                RiskWarning.window_to >= low - window,
                RiskWarning.window_from <= high,
            )
        )
    ).all()
    candidates = (
        await session.execute(
            select(
                Application.id,
                Application.case_id,
                Application.incident_on,
                Application.case_category,
                Application.claimed,
            )
            .where(Application.unit_id == application.unit_id, Application.incident_on.between(low, high))
            .order_by(Application.incident_on, Application.id)
        )
    ).all()
    issued = []
    for key in rules.risk_keys(application.unit_id, application.case_category, _grounds(application.claimed)):
        same_key = [w for w in nearby if (w.dimension, w.value) == (key.dimension, key.value)]
        current = next((w for w in same_key if w.window_from <= application.incident_on <= w.window_to), None)
        if current is not None:  # the key's window already warned: the application joins it
            if application.id not in current.application_ids:
                current.application_ids = [*current.application_ids, application.id]
                if application.case_id and application.case_id not in current.case_ids:
                    current.case_ids = [*current.case_ids, application.case_id]
                current.count = len(current.application_ids)
            continue
        # Windows of a key never overlap: an application counts in one window only.
        start = max(
            [low, *(w.window_to + timedelta(days=1) for w in same_key if w.window_to < application.incident_on)]
        )
        end = min(
            [high, *(w.window_from - timedelta(days=1) for w in same_key if w.window_from > application.incident_on)]
        )
        rows = [r for r in candidates if start <= r.incident_on <= end and _counts_towards(r, key)]
        found = rules.first_window(
            [r.incident_on for r in rows], values.risk_window_days, values.risk_threshold, application.incident_on
        )
        if found is None:
            continue
        rows = rows[found[0] : found[1]]
        window_from = rows[0].incident_on
        warning = RiskWarning(
            id=uuid.uuid4(),
            unit_id=application.unit_id,
            dimension=key.dimension,
            value=key.value,
            window_from=window_from,
            window_to=min(window_from + window, end),
            count=len(rows),
            threshold=values.risk_threshold,
            application_ids=[r.id for r in rows],
            case_ids=list(dict.fromkeys(r.case_id for r in rows if r.case_id)),
            policy_id=application.policy_id,
            issued_on=today(),
        )
        session.add(warning)
        issued.append(warning)
        await emit(
            session,
            ToleranceRiskAlert(
                alert_id=warning.id,
                unit_id=warning.unit_id,
                dimension=key.dimension,
                value=key.value,
                count=warning.count,
                window_from=warning.window_from,
                window_to=warning.window_to,
                basis=["TOL-18"],
                threshold=warning.threshold,
                policy_id=warning.policy_id,
            ),
        )
    await session.flush()
    return issued


def read(warning: RiskWarning) -> RiskWarningRead:
    return RiskWarningRead.model_validate(
        {**{f: getattr(warning, f) for f in RiskWarningRead.model_fields if f != "basis"}, "basis": ["TOL-18"]}
    )


async def list_page(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    unit_id: uuid.UUID | None,
    dimension: str | None,
    value: str | None,
) -> Page[RiskWarningRead]:
    query = (
        (await list_in_scope(session, caller, RiskWarning.unit_id))
        .equal(RiskWarning.unit_id, unit_id)
        .equal(RiskWarning.dimension, dimension)
        .equal(RiskWarning.value, value)
    )
    items, cursor = await query.page(session, [RiskWarning.window_from, RiskWarning.id], page)
    return Page[RiskWarningRead](items=[read(w) for w in items], next_cursor=cursor)
