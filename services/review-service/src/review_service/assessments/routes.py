"""Routes of /assessments (REV-8)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query

from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from review_service.assessments import service
from review_service.assessments.schemas import AssessmentRead
from review_service.deps import AnyCaller

router = ServiceRouter(tags=["reviews"], responses=COMMON_RESPONSES)


@router.get("/assessments", response_model=Page[AssessmentRead])
async def list_assessments(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    officer_id: uuid.UUID | None = None,
    unit_id: uuid.UUID | None = None,
) -> Page[AssessmentRead]:
    """Per lead handler and year: lead cases, unqualified files and the REV-8 consequence."""
    return await service.list_page(session, caller, page, year=year, officer_id=officer_id, unit_id=unit_id)
