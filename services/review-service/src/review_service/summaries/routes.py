"""Routes of /summaries (REV-9)."""

from __future__ import annotations

import uuid

from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from review_service.deps import CONFLICT, AnyCaller, LegalAffairs, SettingsDep
from review_service.summaries import service
from review_service.summaries.schemas import Period, SummaryCreate, SummaryRead, SummarySubmission

router = ServiceRouter(tags=["oversight"], responses=COMMON_RESPONSES)


@router.post("/summaries", status_code=201, response_model=SummaryRead, responses={**NOT_FOUND, **CONFLICT})
async def generate_summary(
    body: SummaryCreate, caller: LegalAffairs, session: SessionDep, settings: SettingsDep
) -> SummaryRead:
    """Generate (or regenerate, until submitted) a unit's half-year summary from the data (REV-9)."""
    return await service.generate(session, caller, body)


@router.get("/summaries", response_model=Page[SummaryRead])
async def list_summaries(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    period: Period | None = None,
) -> Page[SummaryRead]:
    """Half-year summaries in the caller's scope."""
    return await service.list_page(session, caller, page, unit_id=unit_id, period=period)


@router.post("/summaries/{summary_id}/submission", response_model=SummaryRead, responses={**NOT_FOUND, **CONFLICT})
async def submit_summary(
    summary_id: uuid.UUID, body: SummarySubmission, caller: LegalAffairs, session: SessionDep
) -> SummaryRead:
    """Report the summary in writing to 县司法局 (REV-9)."""
    return await service.submit(session, caller, summary_id, body)
