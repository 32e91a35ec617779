"""Route of /compliance (REV-6, REV-17, REV-10, REV-5)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query

from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep, problem
from enforcement_common.api.transaction import ServiceRouter
from review_service.compliance import service
from review_service.compliance.schemas import CompliancePeriod, ComplianceRead
from review_service.deps import AnyCaller

router = ServiceRouter(tags=["oversight"], responses=COMMON_RESPONSES)


@router.get(
    "/compliance",
    response_model=ComplianceRead,
    responses={**NOT_FOUND, 422: problem("period or year missing, or not the same year")},
)
async def compliance(
    unit_id: uuid.UUID,
    caller: AnyCaller,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    period: Annotated[CompliancePeriod | None, Query(description="2026, 2026H1 or 2026Q3")] = None,
) -> ComplianceRead:
    """A unit's self-review compliance for a period, its sub-units rolled up (REV-6, REV-17, REV-10)."""
    return await service.of_unit(session, caller, unit_id, period=period, year=year)
