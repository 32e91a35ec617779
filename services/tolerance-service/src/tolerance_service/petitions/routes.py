"""Routes of /petitions (信访举报) and clarifications (澄清正名), TOL-19."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import Response

from enforcement_common.api.concurrency import IfMatchDep, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from tolerance_service.deps import CONFLICT, Clarifier, PetitionHandler, PetitionOffice, PetitionReader
from tolerance_service.models import Petition
from tolerance_service.petitions import service
from tolerance_service.petitions.schemas import (
    ClarificationCreate,
    FeedbackCreate,
    OutcomeCreate,
    PetitionCreate,
    PetitionRead,
)
from tolerance_service.rules import PetitionOutcome

router = ServiceRouter(prefix="/petitions", tags=["petitions"], responses=COMMON_RESPONSES)


async def _reply(session, caller, petition: Petition, response: Response) -> PetitionRead:
    set_etag(response, petition.version)
    return await service.read(session, caller, petition)


@router.post("", status_code=201, response_model=PetitionRead, responses=NOT_FOUND)
async def receive_petition(
    body: PetitionCreate, caller: PetitionOffice, session: SessionDep, response: Response
) -> PetitionRead:
    """Record a petition or report (信访举报) about officers; anonymous ones store no reporter identity."""
    petition = await service.receive(session, caller, body)
    response.headers["Location"] = f"/api/v1/petitions/{petition.id}"
    return await _reply(session, caller, petition, response)


@router.get("", response_model=Page[PetitionRead])
async def list_petitions(
    caller: PetitionReader,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    status: Literal["received", "concluded"] | None = None,
    outcome: PetitionOutcome | None = None,
) -> Page[PetitionRead]:
    """Petitions in the caller's scope, never those naming the caller (TOL-19)."""
    return await service.list_page(session, caller, page, unit_id=unit_id, status=status, outcome=outcome)


@router.get("/{petition_id}", response_model=PetitionRead, responses=NOT_FOUND)
async def read_petition(
    petition_id: uuid.UUID, caller: PetitionReader, session: SessionDep, response: Response
) -> PetitionRead:
    """One petition; the reporter's identity for legal_affairs and discipline only (TOL-19)."""
    return await _reply(session, caller, await service.get(session, caller, petition_id), response)


@router.post("/{petition_id}/outcome", response_model=PetitionRead, responses={**NOT_FOUND, **CONFLICT})
async def conclude_petition(
    petition_id: uuid.UUID,
    body: OutcomeCreate,
    caller: PetitionHandler,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> PetitionRead:
    """Record the outcome: unfounded 不属实, unproven 查无实据, tolerated 予以容错免责, founded 属实."""
    petition = await service.conclude(session, caller, petition_id, body, if_match)
    return await _reply(session, caller, petition, response)


@router.post("/{petition_id}/feedback", response_model=PetitionRead, responses={**NOT_FOUND, **CONFLICT})
async def give_petition_feedback(
    petition_id: uuid.UUID,
    body: FeedbackCreate,
    caller: PetitionHandler,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> PetitionRead:
    """Feedback to a real-name reporter, or an explanation within a scope for an anonymous petition (TOL-19)."""
    petition = await service.give_feedback(session, caller, petition_id, body, if_match)
    return await _reply(session, caller, petition, response)


@router.post(
    "/{petition_id}/clarifications", status_code=201, response_model=PetitionRead, responses={**NOT_FOUND, **CONFLICT}
)
async def clarify_petition(
    petition_id: uuid.UUID,
    body: ClarificationCreate,
    caller: Clarifier,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> PetitionRead:
    """Issue a clarification (澄清正名) for officers of a petition found unfounded or unproven, with consent."""
    petition = await service.clarify(session, caller, petition_id, body, if_match)
    return await _reply(session, caller, petition, response)
