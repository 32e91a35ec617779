"""Risk warnings (易错风险点 警示提醒, TOL-18): frequent or concentrated grounds — the same
ground, the same case category, the same unit — within the policy's window and threshold,
detected as applications come in.

A key's window starts at the earliest incident counted (never before the end of the key's
previous window, so an application counts in one window only) and lasts the policy's
``risk_window_days``. When the applications of the key in a window reach the threshold,
one warning and one ``tolerance.risk_alert`` are issued; later applications of that window
join the warning without a second alert. Writers of one key take an advisory lock."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select, text
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

_GROUP = {"DD": "due_diligence", "TG": "tolerance", "MG": "mitigation"}


def _matches(application: Application, key: rules.RiskKey):
    """The condition selecting the unit's applications that count towards ``key``."""
    same_unit = Application.unit_id == application.unit_id
    if key.dimension == "unit":
        return same_unit
    if key.dimension == "category":
        return same_unit & (Application.case_category == key.value)
    group = _GROUP[key.value[:2]]
    return same_unit & Application.claimed["grounds"][group].contains([key.value])


def _grounds(application: Application) -> list[str]:
    grounds = application.claimed["grounds"]
    return [*grounds["due_diligence"], *grounds["tolerance"], *grounds["mitigation"]]


async def record(session: AsyncSession, application: Application, values: ToleranceValues) -> list[RiskWarning]:
    """Count ``application`` towards each of its keys; the warnings it issued (TOL-18)."""
    issued = []
    window = timedelta(days=values.risk_window_days - 1)
    for key in rules.risk_keys(application.unit_id, application.case_category, _grounds(application)):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
            {"k": f"tolerance-risk/{application.unit_id}/{key.dimension}/{key.value}"},
        )
        current = await session.scalar(
            select(RiskWarning).where(
                RiskWarning.unit_id == application.unit_id,
                RiskWarning.dimension == key.dimension,
                RiskWarning.value == key.value,
                RiskWarning.window_from <= application.incident_on,
                RiskWarning.window_to >= application.incident_on,
            )
        )
        if current is not None:  # the key's window already warned: the application joins it
            if application.id not in current.application_ids:
                current.application_ids = [*current.application_ids, application.id]
                if application.case_id and application.case_id not in current.case_ids:
                    current.case_ids = [*current.case_ids, application.case_id]
                current.count = len(current.application_ids)
            continue
        previous_end = await session.scalar(
            select(func.max(RiskWarning.window_to)).where(
                RiskWarning.unit_id == application.unit_id,
                RiskWarning.dimension == key.dimension,
                RiskWarning.value == key.value,
                RiskWarning.window_to < application.incident_on,
            )
        )
        next_start = await session.scalar(
            select(func.min(RiskWarning.window_from)).where(
                RiskWarning.unit_id == application.unit_id,
                RiskWarning.dimension == key.dimension,
                RiskWarning.value == key.value,
                RiskWarning.window_from > application.incident_on,
            )
        )
        # Windows of a key never overlap: an application counts in one window only.
        start = application.incident_on - window
        if previous_end is not None and previous_end >= start:
            start = previous_end + timedelta(days=1)
        end = application.incident_on + window
        if next_start is not None and next_start <= end:
            end = next_start - timedelta(days=1)
        rows = (
            await session.execute(
                select(Application.id, Application.case_id, Application.incident_on)
                .where(
                    _matches(application, key),
                    Application.incident_on.between(start, end),
                )
                .order_by(Application.incident_on, Application.id)
            )
        ).all()
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
        await session.flush()
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
        issued.append(warning)
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
