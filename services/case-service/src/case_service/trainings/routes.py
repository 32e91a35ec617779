"""Routes of /trainings: record and list trainings (STAT-5a), emitting training.recorded."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from fastapi import Response
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import any_, select

from case_service.common import COMMON_RESPONSES, NOT_FOUND, AnyCaller, OfficerManager, SessionDep, emit
from case_service.models import Officer, Training, Unit
from enforcement_common.api.pagination import Page, PageParamsDep, check_range, paginate
from enforcement_common.api.problems import ProblemError
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.auth.scope import ensure_in_scope, not_found, select_in_scope
from enforcement_common.contracts.case import TrainingRecorded

router = ServiceRouter(prefix="/trainings", tags=["trainings"], responses=COMMON_RESPONSES)


class TrainingCreate(BaseModel):
    kind: Literal["attended", "held"] = Field(
        description="attended: an external training; held: a course this unit ran"
    )
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=5000)
    organizer_unit_id: uuid.UUID
    start_date: date
    end_date: date
    hours: Decimal = Field(gt=0, le=1000, decimal_places=1)
    attendee_ids: list[uuid.UUID] = Field(max_length=2000)

    @model_validator(mode="after")
    def _dates(self) -> TrainingCreate:
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class TrainingRead(TrainingCreate):
    id: uuid.UUID


def _read(training: Training) -> TrainingRead:
    return TrainingRead.model_validate(training, from_attributes=True)


@router.post("", status_code=201, response_model=TrainingRead, responses=NOT_FOUND)
async def record_training(
    body: TrainingCreate, caller: OfficerManager, session: SessionDep, response: Response
) -> TrainingRead:
    """Record a training attended or a course held, with its attendees."""
    if await session.get(Unit, body.organizer_unit_id) is None:
        raise not_found("unit")
    await ensure_in_scope(session, caller, body.organizer_unit_id, "unit")
    attendees = list(dict.fromkeys(body.attendee_ids))
    known = set((await session.scalars(select(Officer.id).where(Officer.id.in_(attendees)))).all())
    unknown = [str(a) for a in attendees if a not in known]
    if unknown:
        raise ProblemError(
            422,
            "training.unknown_attendees",
            f"Unknown officers: {', '.join(unknown[:10])}.",
            errors=[{"loc": ["body", "attendee_ids"], "msg": "unknown officer", "type": "reference"}],
        )
    training = Training(id=uuid.uuid4(), **body.model_dump(exclude={"attendee_ids"}), attendee_ids=attendees)
    session.add(training)
    await session.flush()
    await emit(
        session,
        TrainingRecorded(
            training_id=training.id,
            kind=body.kind,
            organizer_unit_id=body.organizer_unit_id,
            title=body.title,
            content=body.content,
            start_date=body.start_date,
            end_date=body.end_date,
            hours=float(body.hours),
            attendee_ids=attendees,
        ),
    )
    await session.commit()
    response.headers["Location"] = f"/api/v1/trainings/{training.id}"
    return _read(training)


@router.get("", response_model=Page[TrainingRead])
async def list_trainings(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    kind: Literal["attended", "held"] | None = None,
    attendee_id: uuid.UUID | None = None,
    start_from: date | None = None,
    start_to: date | None = None,
) -> Page[TrainingRead]:
    """Trainings organised within the caller's scope."""
    check_range("start", start_from, start_to)
    statement = await select_in_scope(session, caller, Training.organizer_unit_id)
    if kind:
        statement = statement.where(Training.kind == kind)
    if attendee_id:
        statement = statement.where(attendee_id == any_(Training.attendee_ids))
    if start_from:
        statement = statement.where(Training.start_date >= start_from)
    if start_to:
        statement = statement.where(Training.start_date <= start_to)
    trainings, cursor = await paginate(session, statement, [Training.start_date, Training.id], page)
    return Page[TrainingRead](items=[_read(t) for t in trainings], next_cursor=cursor)
