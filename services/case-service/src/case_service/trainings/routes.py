"""Routes of /trainings: record and list trainings (STAT-5a)."""

from __future__ import annotations

import uuid

from fastapi import Response

from case_service.deps import AnyCaller, OfficerManager
from case_service.trainings import service
from case_service.trainings.schemas import TrainingCreate, TrainingKind, TrainingRead
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.contracts import BoundedDate

router = ServiceRouter(prefix="/trainings", tags=["trainings"], responses=COMMON_RESPONSES)


@router.post("", status_code=201, response_model=TrainingRead, responses=NOT_FOUND)
async def record_training(
    body: TrainingCreate, caller: OfficerManager, session: SessionDep, response: Response
) -> TrainingRead:
    """Record a training attended or a course held, with its attendees."""
    training = await service.record(session, caller, body)
    response.headers["Location"] = f"/api/v1/trainings/{training.id}"
    return training


@router.get("", response_model=Page[TrainingRead])
async def list_trainings(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    kind: TrainingKind | None = None,
    attendee_id: uuid.UUID | None = None,
    start_from: BoundedDate | None = None,
    start_to: BoundedDate | None = None,
) -> Page[TrainingRead]:
    """Trainings organised within the caller's scope."""
    return await service.list_page(
        session, caller, page, kind=kind, attendee_id=attendee_id, start_from=start_from, start_to=start_to
    )
