"""Routes of /corrections (纠错, TOL-16, TOL-17)."""

from __future__ import annotations

import uuid

from fastapi import Response

from enforcement_common.api.concurrency import IfMatchDep, set_etag
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from tolerance_service.corrections import service
from tolerance_service.corrections.schemas import (
    CompletionCreate,
    CorrectionRead,
    ExtensionDecisionCreate,
    ExtensionRequestCreate,
    ExtensionRequestRead,
    ProgressCreate,
)
from tolerance_service.deps import CONFLICT, FORBIDDEN_DECIDER, AnyCaller, CorrectionSubject, PartyCommittee

router = ServiceRouter(prefix="/corrections", tags=["corrections"], responses=COMMON_RESPONSES)


@router.get("/{correction_id}", response_model=CorrectionRead, responses=NOT_FOUND)
async def read_correction(
    correction_id: uuid.UUID, caller: AnyCaller, session: SessionDep, response: Response
) -> CorrectionRead:
    """One correction with its progress, extension history and deadline (TOL-17)."""
    correction = await service.get(session, caller, correction_id)
    set_etag(response, correction.version)
    return await service.read(session, correction)


@router.post("/{correction_id}/progress", response_model=CorrectionRead, responses={**NOT_FOUND, **CONFLICT})
async def report_correction_progress(
    correction_id: uuid.UUID,
    body: ProgressCreate,
    caller: CorrectionSubject,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> CorrectionRead:
    """Report progress of the correction (整改情况)."""
    correction = await service.report_progress(session, caller, correction_id, body, if_match)
    set_etag(response, correction.version)
    return await service.read(session, correction)


@router.post("/{correction_id}/completion", response_model=CorrectionRead, responses={**NOT_FOUND, **CONFLICT})
async def complete_correction(
    correction_id: uuid.UUID,
    body: CompletionCreate,
    caller: CorrectionSubject,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> CorrectionRead:
    """Complete the correction with the cause analysis (TOL-17); late completion stays visible."""
    correction = await service.complete(session, caller, correction_id, body, if_match)
    set_etag(response, correction.version)
    return await service.read(session, correction)


@router.post(
    "/{correction_id}/extension-requests",
    status_code=201,
    response_model=ExtensionRequestRead,
    responses={**NOT_FOUND, **CONFLICT},
)
async def request_correction_extension(
    correction_id: uuid.UUID,
    body: ExtensionRequestCreate,
    caller: CorrectionSubject,
    session: SessionDep,
    if_match: IfMatchDep,
) -> ExtensionRequestRead:
    """Request an extension of the correction's due date, with a reason (TOL-17)."""
    request = await service.request_extension(session, caller, correction_id, body, if_match)
    return service.request_read(request)


@router.post(
    "/{correction_id}/extension-requests/{request_id}/decision",
    response_model=ExtensionRequestRead,
    responses={**NOT_FOUND, **CONFLICT, **FORBIDDEN_DECIDER},
)
async def decide_correction_extension(
    correction_id: uuid.UUID,
    request_id: uuid.UUID,
    body: ExtensionDecisionCreate,
    caller: PartyCommittee,
    session: SessionDep,
    if_match: IfMatchDep,
) -> ExtensionRequestRead:
    """Approve or refuse an extension request, with reason, as the deciding body (TOL-17)."""
    request = await service.decide_extension(session, caller, correction_id, request_id, body, if_match)
    return service.request_read(request)
