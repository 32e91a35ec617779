"""Routes of exemplary files (REV-16)."""

from __future__ import annotations

import uuid

from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from review_service.deps import CONFLICT, AnyCaller, Reviewer
from review_service.exemplary import service
from review_service.exemplary.schemas import ExemplaryCreate, ExemplaryRead

router = ServiceRouter(tags=["oversight"], responses=COMMON_RESPONSES)


@router.post(
    "/reviews/{review_id}/exemplary", status_code=201, response_model=ExemplaryRead, responses={**NOT_FOUND, **CONFLICT}
)
async def select_exemplary(
    review_id: uuid.UUID, body: ExemplaryCreate, caller: Reviewer, session: SessionDep
) -> ExemplaryRead:
    """Select an excellent, completed review's file for learning exchange (REV-16)."""
    return await service.select_file(session, caller, review_id, body)


@router.get("/exemplary-files", response_model=Page[ExemplaryRead])
async def list_exemplary(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    include_voided: bool = False,
) -> Page[ExemplaryRead]:
    """Exemplary files (优秀案卷) in the caller's scope; those whose review was voided (REV-12)
    only with ``include_voided=true``."""
    return await service.list_page(session, caller, page, unit_id=unit_id, include_voided=include_voided)
