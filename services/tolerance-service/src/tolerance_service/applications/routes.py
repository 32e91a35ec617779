"""Routes of /applications (TOL-10 … TOL-14): file, read, list, investigate, decide, notify."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from fastapi import Response

from enforcement_common.api.concurrency import IfMatchDep, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from tolerance_service.applications import service
from tolerance_service.applications.schemas import (
    ApplicationCreate,
    ApplicationRead,
    DecisionCreate,
    InvestigationCreate,
    NotificationCreate,
)
from tolerance_service.deps import (
    CONFLICT,
    FORBIDDEN_DECIDER,
    AnyCaller,
    Applicant,
    Investigator,
    Notifier,
    PartyCommittee,
)
from tolerance_service.models import Application
from tolerance_service.rules import DecisionOutcome

router = ServiceRouter(prefix="/applications", tags=["applications"], responses=COMMON_RESPONSES)


async def _reply(session, application: Application, response: Response) -> ApplicationRead:
    set_etag(response, application.version)
    return await service.read_one(session, application)


@router.post("", status_code=201, response_model=ApplicationRead, responses=NOT_FOUND)
async def file_application(
    body: ApplicationCreate, caller: Applicant, session: SessionDep, response: Response
) -> ApplicationRead:
    """File an application (尽职免责、容错免责认定申请) with its recommendation under the policy in force on incident_on."""
    application = await service.file(session, caller, body)
    response.headers["Location"] = f"/api/v1/applications/{application.id}"
    return await _reply(session, application, response)


@router.get("", response_model=Page[ApplicationRead])
async def list_applications(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    status: Literal["submitted", "investigated", "decided"] | None = None,
    outcome: DecisionOutcome | None = None,
    case_id: uuid.UUID | None = None,
    officer_id: uuid.UUID | None = None,
    incident_from: date | None = None,
    incident_to: date | None = None,
) -> Page[ApplicationRead]:
    """Applications in the caller's scope."""
    return await service.list_page(
        session,
        caller,
        page,
        unit_id=unit_id,
        status=status,
        outcome=outcome,
        case_id=case_id,
        officer_id=officer_id,
        incident_from=incident_from,
        incident_to=incident_to,
    )


@router.get("/{application_id}", response_model=ApplicationRead, responses=NOT_FOUND)
async def read_application(
    application_id: uuid.UUID, caller: AnyCaller, session: SessionDep, response: Response
) -> ApplicationRead:
    """One application, its recommendations, decision and deadlines."""
    return await _reply(session, await service.get(session, caller, application_id), response)


@router.post("/{application_id}/investigation", response_model=ApplicationRead, responses={**NOT_FOUND, **CONFLICT})
async def investigate_application(
    application_id: uuid.UUID,
    body: InvestigationCreate,
    caller: Investigator,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> ApplicationRead:
    """Record the investigation (调查核实): verified facts and grounds; the recommendation is recomputed on them."""
    application = await service.investigate(session, caller, application_id, body, if_match)
    return await _reply(session, application, response)


@router.post(
    "/{application_id}/decision",
    response_model=ApplicationRead,
    responses={**NOT_FOUND, **CONFLICT, **FORBIDDEN_DECIDER},
)
async def decide_application(
    application_id: uuid.UUID,
    body: DecisionCreate,
    caller: PartyCommittee,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> ApplicationRead:
    """Decide (认定结论) as the deciding body the policy names (TOL-14); starts the correction (TOL-16)."""
    application = await service.decide(session, caller, application_id, body, if_match)
    return await _reply(session, application, response)


@router.post("/{application_id}/notifications", response_model=ApplicationRead, responses={**NOT_FOUND, **CONFLICT})
async def notify_application(
    application_id: uuid.UUID,
    body: NotificationCreate,
    caller: Notifier,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> ApplicationRead:
    """Record the notification of the decision to the relevant units and the party (TOL-14, within 7 days)."""
    application = await service.notify(session, caller, application_id, body, if_match)
    return await _reply(session, application, response)
