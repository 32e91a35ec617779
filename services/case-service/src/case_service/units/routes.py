"""Routes of /units."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response

from case_service.common import COMMON_RESPONSES, CONFLICTS, NOT_FOUND, AdminCaller, AnyCaller, SessionDep, problem
from case_service.models import Unit
from case_service.units import service
from case_service.units.schemas import UnitCreate, UnitKind, UnitRead, UnitUpdate
from enforcement_common.api.concurrency import check_if_match, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep, paginate
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.auth.scope import select_in_scope

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
    statement = await select_in_scope(session, caller, Unit.id)
    if kind:
        statement = statement.where(Unit.kind == kind)
    if parent_id:
        statement = statement.where(Unit.parent_id == parent_id)
    if code:
        statement = statement.where(Unit.code == code)
    units, cursor = await paginate(session, statement, [Unit.code], page)
    return Page[UnitRead](items=[service.read(u) for u in units], next_cursor=cursor)


@router.get("/{unit_id}", response_model=UnitRead, responses=NOT_FOUND)
async def read_unit(unit_id: uuid.UUID, caller: AnyCaller, session: SessionDep, response: Response) -> UnitRead:
    """One unit."""
    unit = await service.get_visible(session, caller, unit_id)
    set_etag(response, unit.version)
    return service.read(unit)


@router.patch("/{unit_id}", response_model=UnitRead, responses={**NOT_FOUND, **CONFLICTS})
async def update_unit(
    unit_id: uuid.UUID, body: UnitUpdate, caller: AdminCaller, session: SessionDep, request: Request, response: Response
) -> UnitRead:
    """Change a unit (If-Match required)."""
    unit = await service.get_visible(session, caller, unit_id)
    check_if_match(request, unit.version, required=True)
    updated = await service.update(session, unit, body)
    set_etag(response, updated.version)
    return updated
