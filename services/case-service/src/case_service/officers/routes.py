"""Routes of /officers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response

from case_service.common import (
    COMMON_RESPONSES,
    CONFLICTS,
    NOT_FOUND,
    AnyCaller,
    OfficerManager,
    QualificationAuthority,
    SessionDep,
    problem,
)
from case_service.models import Officer
from case_service.officers import service
from case_service.officers.rules import QualificationStatus
from case_service.officers.schemas import (
    AssessmentCreate,
    AssessmentRead,
    OfficerCreate,
    OfficerRead,
    OfficerUpdate,
    QualificationChange,
    StaffType,
)
from enforcement_common.api.concurrency import check_if_match, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep, paginate
from enforcement_common.api.problems import ProblemError
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.auth.scope import select_in_scope

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
    statement = await select_in_scope(session, caller, Officer.unit_id)
    if unit_id:
        statement = statement.where(Officer.unit_id == unit_id)
    if staff_type:
        statement = statement.where(Officer.staff_type == staff_type)
    if q:
        statement = statement.where(Officer.name.contains(q, autoescape=True))
    if qualification_status is None:
        officers, cursor = await paginate(session, statement, [Officer.created_at, Officer.id], page)
        return Page[OfficerRead](items=[service.read(o, caller) for o in officers], next_cursor=cursor)
    # The status depends on today's date: filter after reading, page by page.
    items: list[OfficerRead] = []
    cursor = page.cursor
    while len(items) < page.limit:
        batch, cursor = await paginate(
            session, statement, [Officer.created_at, Officer.id], page.model_copy(update={"cursor": cursor})
        )
        items += [o for o in (service.read(x, caller) for x in batch) if o.qualification_status == qualification_status]
        if cursor is None:
            break
    return Page[OfficerRead](items=items, next_cursor=cursor)


@router.get("/{officer_id}", response_model=OfficerRead, responses=NOT_FOUND)
async def read_officer(
    officer_id: uuid.UUID, caller: AnyCaller, session: SessionDep, response: Response
) -> OfficerRead:
    """One officer; the ID-card number is masked for roles without need."""
    officer = await service.get_visible(session, caller, officer_id)
    set_etag(response, officer.version)
    return service.read(officer, caller)


@router.patch("/{officer_id}", response_model=OfficerRead, responses={**NOT_FOUND, **CONFLICTS})
async def update_officer(
    officer_id: uuid.UUID,
    body: OfficerUpdate,
    caller: OfficerManager,
    session: SessionDep,
    request: Request,
    response: Response,
) -> OfficerRead:
    """Change an officer or the certificate (If-Match required)."""
    officer = await service.get_visible(session, caller, officer_id)
    check_if_match(request, officer.version, required=True)
    updated = await service.update(session, caller, officer, body)
    set_etag(response, updated.version)
    return updated


@router.post("/{officer_id}/qualification", response_model=OfficerRead, responses={**NOT_FOUND, **CONFLICTS})
async def change_qualification(
    officer_id: uuid.UUID,
    body: QualificationChange,
    caller: QualificationAuthority,
    session: SessionDep,
    request: Request,
    response: Response,
) -> OfficerRead:
    """Suspend, reinstate or revoke an officer's enforcement qualification."""
    officer = await service.get_visible(session, caller, officer_id)
    check_if_match(request, officer.version)
    if not await service.change_qualification(session, officer, body):
        raise ProblemError(
            409, "officer.invalid_qualification_action", f"The officer is already where '{body.action}' leads."
        )
    set_etag(response, officer.version)
    return service.read(officer, caller)


@router.post("/{officer_id}/assessments", status_code=201, response_model=AssessmentRead, responses=NOT_FOUND)
async def record_assessment(
    officer_id: uuid.UUID, body: AssessmentCreate, caller: OfficerManager, session: SessionDep
) -> AssessmentRead:
    """Record an assessment (考核) of an officer."""
    officer = await service.get_visible(session, caller, officer_id)
    return await service.record_assessment(session, officer, body)
