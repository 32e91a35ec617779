"""Routes of /nonrecording-findings (INT-12)."""

from __future__ import annotations

import uuid

from accountability_service.deps import Auditing, Oversight
from accountability_service.nonrecording import service
from accountability_service.nonrecording.schemas import FindingCreate, FindingRead
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter

router = ServiceRouter(tags=["interference register"], responses=COMMON_RESPONSES)


@router.post("/nonrecording-findings", status_code=201, response_model=FindingRead, responses=NOT_FOUND)
async def record_nonrecording_finding(body: FindingCreate, caller: Oversight, session: SessionDep) -> FindingRead:
    """A handler did not record (or not truthfully): warning, then discipline referral (INT-12)."""
    return await service.read(session, await service.find(session, caller, body))


@router.get("/nonrecording-findings", response_model=Page[FindingRead])
async def list_nonrecording_findings(
    caller: Auditing,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    officer_id: uuid.UUID | None = None,
    no_record_for_case: bool | None = None,
) -> Page[FindingRead]:
    """Findings in scope; no_record_for_case=true: the missing-record detector's list for the legal body."""
    return await service.list_page(
        session, caller, page, unit_id=unit_id, officer_id=officer_id, no_record_for_case=no_record_for_case
    )
