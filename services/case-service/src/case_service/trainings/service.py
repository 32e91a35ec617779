"""Trainings (培训, STAT-5a): recorded with their attendees, emitting training.recorded."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.events import emit
from case_service.models import Officer, Training, Unit
from case_service.trainings.schemas import TrainingCreate, TrainingRead
from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, list_in_scope, not_found, scope_clause, visible_units
from enforcement_common.contracts.case import TrainingRecorded


def read(training: Training) -> TrainingRead:
    return TrainingRead.model_validate(training, from_attributes=True)


async def record(session: AsyncSession, caller: Caller, body: TrainingCreate) -> TrainingRead:
    """Record a training attended or a course held. The organizer unit and every attendee must
    exist and be in the caller's scope — the same 404 either way (a training recorded for
    another unit's officer would open that officer's REV-8 reinstatement)."""
    visible = await visible_units(session, caller)
    await get_in_scope(session, caller, Unit, body.organizer_unit_id, "unit", unit_attr="id")
    attendees = list(dict.fromkeys(body.attendee_ids))
    known = set(
        (
            await session.scalars(
                select(Officer.id).where(Officer.id.in_(attendees), scope_clause(Officer.unit_id, visible))
            )
        ).all()
    )
    if any(a not in known for a in attendees):
        raise not_found("officer")
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
    return read(training)


async def list_page(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    kind: str | None,
    attendee_id: uuid.UUID | None,
    start_from: date | None,
    start_to: date | None,
) -> Page[TrainingRead]:
    query = (
        (await list_in_scope(session, caller, Training.organizer_unit_id))
        .range(Training.start_date, start_from, start_to, name="start")
        .equal(Training.kind, kind)
        .contains(Training.attendee_ids, attendee_id)
    )
    trainings, cursor = await query.page(session, [Training.start_date, Training.id], page)
    return Page[TrainingRead](items=[read(t) for t in trainings], next_cursor=cursor)
