"""Routes of /inspections (REV-10, REV-11)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response

from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from review_service.deps import CONFLICT, AnyCaller, JusticeBureau
from review_service.inspections import service
from review_service.inspections.schemas import (
    FindingCreate,
    FindingRead,
    InspectionCreate,
    InspectionRead,
    Verification,
)

router = ServiceRouter(tags=["oversight"], responses=COMMON_RESPONSES)


@router.post("/inspections", status_code=201, response_model=InspectionRead, responses=NOT_FOUND)
async def draw_inspection(
    body: InspectionCreate, caller: JusticeBureau, session: SessionDep, response: Response
) -> InspectionRead:
    """Draw files at random from a unit's closed, non-excluded cases of the year (REV-11).
    Every call is a new recorded inspection; nothing is silently redrawn."""
    inspection = await service.draw(session, caller, body)
    response.headers["Location"] = f"/api/v1/inspections/{inspection.id}"
    return inspection


@router.get("/inspections", response_model=Page[InspectionRead])
async def list_inspections(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> Page[InspectionRead]:
    """Recorded inspections in the caller's scope."""
    return await service.list_page(session, caller, page, unit_id=unit_id, year=year)


@router.get("/inspections/{inspection_id}", response_model=InspectionRead, responses=NOT_FOUND)
async def read_inspection(inspection_id: uuid.UUID, caller: AnyCaller, session: SessionDep) -> InspectionRead:
    """One inspection with its seed, candidate ledger and findings."""
    return await service.read_one(session, await service.get(session, caller, inspection_id))


@router.post(
    "/inspections/{inspection_id}/findings",
    status_code=201,
    response_model=FindingRead,
    responses={**NOT_FOUND, **CONFLICT},
)
async def record_finding(
    inspection_id: uuid.UUID, body: FindingCreate, caller: JusticeBureau, session: SessionDep
) -> FindingRead:
    """Record, for a drawn file, its grade and the quality of its self-review (REV-11)."""
    return await service.record_finding(session, caller, inspection_id, body)


@router.get("/inspections/{inspection_id}/verification", response_model=Verification, responses=NOT_FOUND)
async def verify_inspection(inspection_id: uuid.UUID, caller: AnyCaller, session: SessionDep) -> Verification:
    """Redraw from the recorded seed and ledger: the same files must come out."""
    return await service.verify(session, caller, inspection_id)
