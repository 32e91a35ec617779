"""Routes of /obligations (REV-5)."""

from __future__ import annotations

import uuid

from fastapi import Response

from enforcement_common.api.concurrency import IfMatchDep, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from review_service.deps import CONFLICT, AnyCaller, Handler
from review_service.obligations import service
from review_service.obligations.schemas import ObligationRead, ObligationStatus, Submission

router = ServiceRouter(prefix="/obligations", tags=["obligations"], responses=COMMON_RESPONSES)


@router.get("", response_model=Page[ObligationRead])
async def list_obligations(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    status: ObligationStatus | None = None,
    case_id: uuid.UUID | None = None,
) -> Page[ObligationRead]:
    """Self-review obligations in the caller's scope."""
    return await service.list_page(session, caller, page, unit_id=unit_id, status=status, case_id=case_id)


@router.get("/{obligation_id}", response_model=ObligationRead, responses=NOT_FOUND)
async def read_obligation(
    obligation_id: uuid.UUID, caller: AnyCaller, session: SessionDep, response: Response
) -> ObligationRead:
    """One obligation; status overdue when still pending after due_on (REV-5)."""
    obligation = await service.get(session, caller, obligation_id)
    set_etag(response, obligation.version)
    return service.read(obligation)


@router.post("/{obligation_id}/submission", response_model=ObligationRead, responses={**NOT_FOUND, **CONFLICT})
async def submit_file(
    obligation_id: uuid.UUID,
    body: Submission,
    caller: Handler,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> ObligationRead:
    """The handler transfers the file to legal affairs for self-review (REV-5)."""
    obligation = await service.submit(session, caller, obligation_id, body, if_match)
    set_etag(response, obligation.version)
    return obligation
