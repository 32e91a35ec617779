"""Routes of /units."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response

from case_service.deps import CONFLICTS, AdminCaller, AnyCaller
from case_service.units import service
from case_service.units.schemas import UnitCreate, UnitRead, UnitUpdate
from enforcement_common.api.concurrency import IfMatchDep, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep, problem
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.contracts.case import UnitKind

router = ServiceRouter(prefix="/units", tags=["units"], responses=COMMON_RESPONSES)


@router.post("", status_code=201, response_model=UnitRead, responses={409: problem("Code taken")})
async def create_unit(body: UnitCreate, caller: AdminCaller, session: SessionDep, response: Response) -> UnitRead:
    """Create a unit (执法单位)."""
    unit = await service.create(session, body)
    set_etag(response, unit.version)
    response.headers["Location"] = f"/api/v1/units/{unit.id}"
    return unit


@router.get("", response_model=Page[UnitRead])
async def list_units(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    kind: UnitKind | None = None,
    parent_id: uuid.UUID | None = None,
    code: Annotated[str | None, Query(max_length=50)] = None,
) -> Page[UnitRead]:
    """Units in the caller's scope."""
    return await service.list_page(session, caller, page, kind=kind, parent_id=parent_id, code=code)


@router.get("/{unit_id}", response_model=UnitRead, responses=NOT_FOUND)
async def read_unit(unit_id: uuid.UUID, caller: AnyCaller, session: SessionDep, response: Response) -> UnitRead:
    """One unit."""
    unit = await service.get(session, caller, unit_id)
    set_etag(response, unit.version)
    return service.read(unit)


@router.patch("/{unit_id}", response_model=UnitRead, responses={**NOT_FOUND, **CONFLICTS})
async def update_unit(
    unit_id: uuid.UUID,
    body: UnitUpdate,
    caller: AdminCaller,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> UnitRead:
    """Change a unit (If-Match required)."""
    updated = await service.update(session, caller, unit_id, body, if_match)
    set_etag(response, updated.version)
    return updated
