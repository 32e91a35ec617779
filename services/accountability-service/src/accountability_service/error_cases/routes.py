"""Routes of /error-cases and /appeals (错案责任倒查问责, ERR-2 … ERR-12)."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import Response

from accountability_service.deps import (
    CONFLICT,
    Accepting,
    AnyCaller,
    AppealBody,
    Determining,
    Head,
    Respondent,
)
from accountability_service.error_cases import service
from accountability_service.error_cases.schemas import (
    AppealCreate,
    AppealDecision,
    AppealRead,
    Determination,
    ErrorCaseCreate,
    ErrorCaseRead,
    Findings,
    Investigation,
    ReinvestigationOrder,
    Transfer,
)
from enforcement_common.api.concurrency import IfMatchDep, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.contracts.accountability import ErrorSource

router = ServiceRouter(tags=["error cases"], responses=COMMON_RESPONSES)
ACTION = {**NOT_FOUND, **CONFLICT}


async def _reply(session, case, response: Response) -> ErrorCaseRead:
    set_etag(response, case.version)
    return await service.read(session, case)


@router.post("/error-cases", status_code=201, response_model=ErrorCaseRead, responses=NOT_FOUND)
async def open_error_case(
    body: ErrorCaseCreate, caller: Accepting, session: SessionDep, response: Response
) -> ErrorCaseRead:
    """Accept an error case (错案受理) from a source of ERR-5; penalty and license cases only (ERR-2)."""
    case = await service.open_case(session, caller, body)
    response.headers["Location"] = f"/api/v1/error-cases/{case.id}"
    return await _reply(session, case, response)


@router.get("/error-cases", response_model=Page[ErrorCaseRead])
async def list_error_cases(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    source: ErrorSource | None = None,
    status: Literal["accepted", "transferred", "investigating", "decided", "reinvestigating", "closed"] | None = None,
    officer_id: uuid.UUID | None = None,
) -> Page[ErrorCaseRead]:
    """Error cases in the caller's scope (officer_id: those naming the officer as respondent)."""
    return await service.list_page(
        session, caller, page, unit_id=unit_id, case_id=case_id, source=source, status=status, officer_id=officer_id
    )


@router.get("/error-cases/{error_case_id}", response_model=ErrorCaseRead, responses=NOT_FOUND)
async def get_error_case(
    error_case_id: uuid.UUID, caller: AnyCaller, session: SessionDep, response: Response
) -> ErrorCaseRead:
    """One error case with its deadlines, team, respondents and determination."""
    return await _reply(session, await service.get(session, caller, error_case_id), response)


@router.post("/error-cases/{error_case_id}/transfer", response_model=ErrorCaseRead, responses=ACTION)
async def transfer_error_case(
    error_case_id: uuid.UUID,
    body: Transfer,
    caller: Accepting,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> ErrorCaseRead:
    """Transfer a matter outside the unit's jurisdiction (转送有权部门), due within 2 days (ERR-10)."""
    return await _reply(session, await service.transfer(session, caller, error_case_id, body, if_match), response)


@router.post("/error-cases/{error_case_id}/investigation", response_model=ErrorCaseRead, responses=ACTION)
async def appoint_investigation_team(
    error_case_id: uuid.UUID,
    body: Investigation,
    caller: Head,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> ErrorCaseRead:
    """The head appoints the investigation team (调查组, ERR-10); no respondent among its members."""
    return await _reply(session, await service.appoint_team(session, caller, error_case_id, body, if_match), response)


@router.post("/error-cases/{error_case_id}/findings", response_model=ErrorCaseRead, responses=ACTION)
async def record_findings(
    error_case_id: uuid.UUID,
    body: Findings,
    caller: Accepting,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> ErrorCaseRead:
    """Findings per respondent (ERR-6, ERR-8, ERR-9) with the proposed handling."""
    return await _reply(
        session, await service.record_findings(session, caller, error_case_id, body, if_match), response
    )


@router.post("/error-cases/{error_case_id}/determination", response_model=ErrorCaseRead, responses=ACTION)
async def determine_error_case(
    error_case_id: uuid.UUID,
    body: Determination,
    caller: Determining,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> ErrorCaseRead:
    """The collective determination (集体讨论决定): handling and sanctions (ERR-10, ERR-11, TOL-15)."""
    return await _reply(session, await service.determine(session, caller, error_case_id, body, if_match), response)


@router.post("/error-cases/{error_case_id}/reinvestigation-order", response_model=ErrorCaseRead, responses=ACTION)
async def order_reinvestigation(
    error_case_id: uuid.UUID,
    body: ReinvestigationOrder,
    caller: Head,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> ErrorCaseRead:
    """Order a re-investigation (责令重新调查), within one month of the determination (ERR-10)."""
    return await _reply(
        session, await service.order_reinvestigation(session, caller, error_case_id, body, if_match), response
    )


@router.post("/error-cases/{error_case_id}/appeals", status_code=201, response_model=AppealRead, responses=ACTION)
async def file_appeal(
    error_case_id: uuid.UUID, body: AppealCreate, caller: Respondent, session: SessionDep, response: Response
) -> AppealRead:
    """The respondent states and defends, or appeals (陈述申辩、申诉, ERR-12)."""
    item = await service.appeal(session, caller, error_case_id, body)
    set_etag(response, item.version)
    response.headers["Location"] = f"/api/v1/appeals/{item.id}"
    return service.read_appeal(item)


@router.get("/error-cases/{error_case_id}/appeals", response_model=list[AppealRead], responses=NOT_FOUND)
async def list_appeals(error_case_id: uuid.UUID, caller: AnyCaller, session: SessionDep) -> list[AppealRead]:
    """The appeals of an error case (ERR-12)."""
    return [service.read_appeal(a) for a in await service.appeals_of(session, caller, error_case_id)]


@router.post("/appeals/{appeal_id}/decision", response_model=AppealRead, responses=ACTION)
async def decide_appeal(
    appeal_id: uuid.UUID,
    body: AppealDecision,
    caller: AppealBody,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> AppealRead:
    """Uphold, change or revoke the handling (ERR-12); a change flows into sanctions and events."""
    item = await service.decide_appeal(session, caller, appeal_id, body, if_match)
    set_etag(response, item.version)
    return service.read_appeal(item)
