"""Routes of /admin: the rebuild of the projection and the reconciliation with case-service."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Header, Query, Response

from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep, problem
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.auth.scope import not_found
from stats_service import errors, rules
from stats_service.admin import rebuild, reconciliation
from stats_service.admin.schemas import RebuildRead, Reconciliation
from stats_service.deps import CONFLICT, Auditor, Operator, SettingsDep
from stats_service.models import Rebuild
from stats_service.stats import service as stats

router = ServiceRouter(tags=["admin"], responses=COMMON_RESPONSES)


@router.post("/admin/rebuild", status_code=202, response_model=RebuildRead, responses=CONFLICT)
async def start_rebuild(caller: Operator, session: SessionDep, response: Response) -> RebuildRead:
    """Replay every topic from offset 0 into a shadow copy, compare, then switch (one at a time)."""
    started = await rebuild.start(session)
    response.headers["Location"] = f"/api/v1/admin/rebuild/{started.id}"
    return rebuild.progress(started)


@router.get("/admin/rebuild/{rebuild_id}", response_model=RebuildRead, responses=NOT_FOUND)
async def rebuild_progress(rebuild_id: uuid.UUID, caller: Auditor, session: SessionDep) -> RebuildRead:
    """A rebuild's progress: events done, events/s, ETA, and what the comparison found."""
    row = await session.get(Rebuild, rebuild_id)
    if row is None:
        raise not_found("rebuild")
    return rebuild.progress(row)


@router.get(
    "/admin/reconciliation",
    response_model=Reconciliation,
    responses={**NOT_FOUND, 424: problem("case-service's counts could not be read")},
)
async def reconcile(
    unit_id: uuid.UUID,
    caller: Auditor,
    session: SessionDep,
    settings: SettingsDep,
    period: Annotated[str | None, Query(pattern=rules.PERIOD_PATTERN)] = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Reconciliation:
    """Our case figures beside case-service's own counts (GET /cases:counts), differences listed."""
    start, end = stats.resolve_period(period, from_, to)
    gen, as_of = await stats.reading(session, caller, unit_id, None, 0)
    figures = await stats.case_figures(session, gen, unit_id, start, end, "category")
    source, body = await reconciliation.fetch_counts(settings.case_service_url, authorization, unit_id, start, end)
    try:
        theirs = reconciliation.theirs_by_category(body)
    except ValueError as exc:
        raise errors.RECONCILIATION_SOURCE_UNAVAILABLE(str(exc)) from None
    ours = reconciliation.ours_by_category(figures["groups"])
    diffs = reconciliation.differences(ours, theirs)
    return Reconciliation(
        unit_id=unit_id,
        from_=start,
        to=end,
        source=source,
        ours=ours,
        theirs=theirs,
        differences=diffs,
        matches=not diffs,
        as_of=as_of,
    )
