"""Route of /compliance (REV-6, REV-17)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query

from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from review_service.compliance import service
from review_service.compliance.schemas import ComplianceRead
from review_service.deps import AnyCaller

router = ServiceRouter(tags=["oversight"], responses=COMMON_RESPONSES)


@router.get("/compliance", response_model=ComplianceRead, responses=NOT_FOUND)
async def compliance(
    unit_id: uuid.UUID, year: Annotated[int, Query(ge=1900, le=2200)], caller: AnyCaller, session: SessionDep
) -> ComplianceRead:
    """A unit's self-review rate for a year (REV-6) and the REV-17 flag."""
    return await service.of_unit(session, caller, unit_id, year)
