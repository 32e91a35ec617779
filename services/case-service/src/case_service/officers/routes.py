"""Routes of /officers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response

from case_service.deps import CONFLICTS, AnyCaller, OfficerManager, QualificationAuthority
from case_service.officers import service
from case_service.officers.schemas import (
    AssessmentCreate,
    AssessmentRead,
    OfficerCreate,
    OfficerRead,
    OfficerUpdate,
    QualificationChange,
)
from enforcement_common.api.concurrency import IfMatchDep, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep, problem
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.contracts.case import QualificationStatus, StaffType

router = ServiceRouter(prefix="/officers", tags=["officers"], responses=COMMON_RESPONSES)


@router.post(
    "", status_code=201, response_model=OfficerRead, responses={**NOT_FOUND, 409: problem("Certificate number taken")}
)
async def register_officer(
    body: OfficerCreate, caller: OfficerManager, session: SessionDep, response: Response
) -> OfficerRead:
    """Register an officer (执法人员) with an optional certificate (执法证)."""
    officer = await service.register(session, caller, body)
    set_etag(response, officer.version)
    response.headers["Location"] = f"/api/v1/officers/{officer.id}"
    return officer


@router.get("", response_model=Page[OfficerRead])
async def list_officers(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    staff_type: StaffType | None = None,
    qualification_status: QualificationStatus | None = None,
    q: Annotated[str | None, Query(max_length=100, description="part of the name")] = None,
) -> Page[OfficerRead]:
    """Officers in the caller's scope."""
    return await service.list_page(
        session, caller, page, unit_id=unit_id, staff_type=staff_type, qualification_status=qualification_status, q=q
    )


@router.get("/{officer_id}", response_model=OfficerRead, responses=NOT_FOUND)
async def read_officer(
    officer_id: uuid.UUID, caller: AnyCaller, session: SessionDep, response: Response
) -> OfficerRead:
    """One officer; the ID-card number is masked for roles without need."""
    officer = await service.get(session, caller, officer_id)
    set_etag(response, officer.version)
    return service.read(officer, caller)


@router.patch("/{officer_id}", response_model=OfficerRead, responses={**NOT_FOUND, **CONFLICTS})
async def update_officer(
    officer_id: uuid.UUID,
    body: OfficerUpdate,
    caller: OfficerManager,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> OfficerRead:
    """Change an officer or the certificate (If-Match required)."""
    updated = await service.update(session, caller, officer_id, body, if_match)
    set_etag(response, updated.version)
    return updated


@router.post("/{officer_id}/qualification", response_model=OfficerRead, responses={**NOT_FOUND, **CONFLICTS})
async def change_qualification(
    officer_id: uuid.UUID,
    body: QualificationChange,
    caller: QualificationAuthority,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> OfficerRead:
    """Suspend, reinstate or revoke an officer's enforcement qualification."""
    officer = await service.change_qualification(session, caller, officer_id, body, if_match)
    set_etag(response, officer.version)
    return officer


@router.post("/{officer_id}/assessments", status_code=201, response_model=AssessmentRead, responses=NOT_FOUND)
async def record_assessment(
    officer_id: uuid.UUID, body: AssessmentCreate, caller: OfficerManager, session: SessionDep
) -> AssessmentRead:
    """Record an assessment (考核) of an officer."""
    return await service.record_assessment(session, caller, officer_id, body)
