"""Routes of /interference-reports (quarterly reports with explicit zero reports, INT-3)."""

from __future__ import annotations

import uuid

from accountability_service.deps import CONFLICT, Auditing, LegalAffairs
from accountability_service.reports import service
from accountability_service.reports.schemas import Quarter, ReportCreate, ReportRead
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter

router = ServiceRouter(tags=["interference register"], responses=COMMON_RESPONSES)


@router.post("/interference-reports", status_code=201, response_model=ReportRead, responses={**NOT_FOUND, **CONFLICT})
async def submit_report(body: ReportCreate, caller: LegalAffairs, session: SessionDep) -> ReportRead:
    """Submit a unit's quarterly report: the quarter's records, or an explicit zero report (INT-3)."""
    return await service.read(session, caller, await service.submit(session, caller, body))


@router.get("/interference-reports", response_model=Page[ReportRead])
async def list_reports(
    caller: Auditing,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    period: Quarter | None = None,
) -> Page[ReportRead]:
    """Quarterly reports, owed, overdue or submitted, in the caller's scope."""
    return await service.list_page(session, caller, page, unit_id=unit_id, period=period)
