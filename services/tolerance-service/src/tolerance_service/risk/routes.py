"""Routes of /risk-warnings (TOL-18)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Query

from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from tolerance_service.deps import AnyCaller
from tolerance_service.risk import service
from tolerance_service.risk.schemas import RiskWarningRead

router = ServiceRouter(prefix="/risk-warnings", tags=["risk-warnings"], responses=COMMON_RESPONSES)


@router.get("", response_model=Page[RiskWarningRead])
async def list_risk_warnings(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    dimension: Literal["unit", "category", "ground"] | None = None,
    value: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[RiskWarningRead]:
    """Risk warnings (易错风险点) with the applications and cases behind each (TOL-18)."""
    return await service.list_page(session, caller, page, unit_id=unit_id, dimension=dimension, value=value)
