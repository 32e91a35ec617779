"""The officer and case directory: read models of case-service's officers and cases, for
every service that needs to know them (review, tolerance, accountability …).

Fed only by case-service's events — ``officer.registered``/``officer.updated``/
``officer.qualification_changed`` and ``case.filed``/``case.stage_changed``/``case.closed``
— never by reading its database. Two tables, ``officer_views`` and ``case_views``, created
by a service's migration with :func:`create_directory_tables`; kept current by one call:

* :func:`register_directory` on one of the service's consumer runners — with ``also=`` the
  service's own handling of the same event types, run after the directory is updated, in
  the same transaction (review-service opens a self-review obligation on ``case.closed``);
* or ``create_service_app(..., directory=True)``, which runs it as its own consumer group.

Each handler is idempotent on state (an upsert, or an update to the event's values), so a
redelivered event changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import ARRAY, Boolean, Column, Date, Index, MetaData, Table, Text, select, update
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.contracts._base import EventData
from enforcement_common.contracts.case import (
    CASES,
    OFFICERS,
    CaseClosed,
    CaseFiled,
    CaseHandlersChanged,
    CaseStageChanged,
    OfficerQualificationChanged,
    OfficerRegistered,
    OfficerUpdated,
)
from enforcement_common.events.consumer import ConsumerRunner, ReceivedEvent

if TYPE_CHECKING:
    from enforcement_common.auth.jwt import Caller

__all__ = [
    "DIRECTORY_EVENTS",
    "DIRECTORY_TOPICS",
    "apply_directory_event",
    "case_views",
    "create_directory_tables",
    "drop_directory_tables",
    "ensure_officers_in_scope",
    "officer_views",
    "register_directory",
]

Handler = Callable[[AsyncSession, ReceivedEvent[Any]], Awaitable[None]]

#: Only the services that keep the directory have these tables (their env.py adds this metadata).
metadata = MetaData()

officer_views = Table(
    "officer_views",
    metadata,
    Column("officer_id", UUID(as_uuid=True), primary_key=True),
    Column("unit_id", UUID(as_uuid=True), nullable=False),
    Column("name", Text, nullable=False),
    Column("qualification_status", Text, nullable=False),
    Column("staff_type", Text),
    Column("certificate_no", Text),
    Column("certificate_expires_on", Date),
    Index("ix_officer_views_unit_id", "unit_id"),
)

case_views = Table(
    "case_views",
    metadata,
    Column("case_id", UUID(as_uuid=True), primary_key=True),
    Column("unit_id", UUID(as_uuid=True), nullable=False),
    Column("case_no", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("lead_handler_id", UUID(as_uuid=True), nullable=False),
    Column("handler_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("filed_on", Date, nullable=False),
    Column("closed_on", Date),
    Column("is_major", Boolean),
    Column("status", Text),
    Index("ix_case_views_unit_id", "unit_id"),
)

#: The topics and event types the directory reads.
DIRECTORY_TOPICS = [OFFICERS, CASES]
DIRECTORY_EVENTS: tuple[type[EventData], ...] = (
    OfficerRegistered,
    OfficerUpdated,
    OfficerQualificationChanged,
    CaseFiled,
    CaseStageChanged,
    CaseHandlersChanged,
    CaseClosed,
)


async def _officer(session: AsyncSession, event: ReceivedEvent[OfficerRegistered | OfficerUpdated]) -> None:
    d = event.data
    values = {
        "unit_id": d.unit_id,
        "name": d.name,
        "qualification_status": d.qualification_status,
        "staff_type": d.staff_type,
        "certificate_no": d.certificate_no,
        "certificate_expires_on": d.certificate_expires_on,
    }
    await session.execute(
        insert(officer_views)
        .values(officer_id=d.officer_id, **values)
        .on_conflict_do_update(index_elements=[officer_views.c.officer_id], set_=values)
    )


async def _qualification(session: AsyncSession, event: ReceivedEvent[OfficerQualificationChanged]) -> None:
    await session.execute(
        update(officer_views)
        .where(officer_views.c.officer_id == event.data.officer_id)
        .values(qualification_status=event.data.to_status)
    )


async def _upsert_case(session: AsyncSession, values: dict[str, Any], *, insert_only: dict[str, Any]) -> None:
    # Fields an event does not carry (None) keep what an earlier event said; ``insert_only``
    # values are for a case not known yet (a filing never sets back a later status).
    changes = {k: v for k, v in values.items() if k != "case_id" and v is not None}
    await session.execute(
        insert(case_views)
        .values(**values, **insert_only)
        .on_conflict_do_update(index_elements=[case_views.c.case_id], set_=changes)
    )


def _case_fields(d: CaseFiled | CaseClosed) -> dict:
    """What case.filed and case.closed both tell of a case."""
    return {
        "case_id": d.case_id,
        "unit_id": d.unit_id,
        "case_no": d.case_no,
        "category": d.category,
        "lead_handler_id": d.lead_handler_id,
        "handler_ids": d.handler_ids,
        "filed_on": d.filed_on,
    }


async def _case_filed(session: AsyncSession, event: ReceivedEvent[CaseFiled]) -> None:
    d = event.data
    await _upsert_case(
        session,
        {**_case_fields(d), "closed_on": None, "is_major": d.is_major},
        insert_only={"status": "filed"},
    )


async def _case_closed(session: AsyncSession, event: ReceivedEvent[CaseClosed]) -> None:
    d = event.data
    await _upsert_case(
        session,
        {**_case_fields(d), "closed_on": d.closed_on, "is_major": None, "status": "closed"},
        insert_only={},
    )


async def _handlers_changed(session: AsyncSession, event: ReceivedEvent[CaseHandlersChanged]) -> None:
    d = event.data
    await session.execute(
        update(case_views)
        .where(case_views.c.case_id == d.case_id)
        .values(lead_handler_id=d.lead_handler_id, handler_ids=d.handler_ids)
    )


async def _stage_changed(session: AsyncSession, event: ReceivedEvent[CaseStageChanged]) -> None:
    await session.execute(
        update(case_views).where(case_views.c.case_id == event.data.case_id).values(status=event.data.to_status)
    )


_HANDLERS: dict[str, Handler] = {
    OfficerRegistered.type: _officer,
    OfficerUpdated.type: _officer,
    OfficerQualificationChanged.type: _qualification,
    CaseFiled.type: _case_filed,
    CaseStageChanged.type: _stage_changed,
    CaseHandlersChanged.type: _handlers_changed,
    CaseClosed.type: _case_closed,
}


async def apply_directory_event(session: AsyncSession, event: ReceivedEvent[Any]) -> None:
    """Apply one of :data:`DIRECTORY_EVENTS` to the directory (in the caller's transaction)."""
    await _HANDLERS[event.data.type](session, event)


def register_directory(runner: ConsumerRunner, *, also: Mapping[type[EventData], Handler] | None = None) -> None:
    """Keep the directory current from ``runner``'s events (it must read :data:`DIRECTORY_TOPICS`).

    ``also`` maps event types to the service's own handlers: for a directory type, run after
    the directory's update in the same transaction; for another type, registered as is.
    """
    extra = dict(also or {})
    for model in DIRECTORY_EVENTS:
        then = extra.pop(model, None)
        runner.on(model)(_chained(_HANDLERS[model.type], then))
    for model, handler in extra.items():
        runner.on(model)(handler)


def _chained(first: Handler, then: Handler | None) -> Handler:
    if then is None:
        return first

    async def both(session: AsyncSession, event: ReceivedEvent[Any]) -> None:
        await first(session, event)
        await then(session, event)

    return both


def create_directory_tables() -> None:
    """Alembic upgrade step: the directory's tables (spelled out, so the revision never changes)."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "officer_views",
        sa.Column("officer_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("unit_id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("qualification_status", sa.Text, nullable=False),
        sa.Column("staff_type", sa.Text),
        sa.Column("certificate_no", sa.Text),
        sa.Column("certificate_expires_on", sa.Date),
    )
    op.create_index("ix_officer_views_unit_id", "officer_views", ["unit_id"])
    op.create_table(
        "case_views",
        sa.Column("case_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("unit_id", UUID(as_uuid=True), nullable=False),
        sa.Column("case_no", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("lead_handler_id", UUID(as_uuid=True), nullable=False),
        sa.Column("handler_ids", sa.ARRAY(UUID(as_uuid=True)), nullable=False),
        sa.Column("filed_on", sa.Date, nullable=False),
        sa.Column("closed_on", sa.Date),
        sa.Column("is_major", sa.Boolean),
        sa.Column("status", sa.Text),
    )
    op.create_index("ix_case_views_unit_id", "case_views", ["unit_id"])


def drop_directory_tables() -> None:
    from alembic import op

    op.drop_table("case_views")
    op.drop_table("officer_views")


async def ensure_officers_in_scope(
    session: AsyncSession,
    caller: Caller,
    officer_ids: Iterable[uuid.UUID],
    what: str = "officer",
    *,
    within: frozenset[uuid.UUID] | None = None,
) -> None:
    """Every id names an officer the directory knows, of a unit in the caller's scope (or, with
    ``within``, of one of those units — e.g. the units at or below a write's unit): the same
    404 ``resource.not_found`` otherwise, whether the officer does not exist or is out of scope
    (an id in a write body is checked like an id in a path)."""
    from enforcement_common.auth.scope import not_found, visible_units

    wanted = set(officer_ids)
    if not wanted:
        return
    units = dict(
        (
            await session.execute(
                select(officer_views.c.officer_id, officer_views.c.unit_id).where(
                    officer_views.c.officer_id.in_(wanted)
                )
            )
        ).all()
    )
    allowed = within if within is not None else await visible_units(session, caller)
    if set(units) != wanted or (allowed is not None and not set(units.values()) <= allowed):
        raise not_found(what)
