"""Units: hierarchy rules, persistence and unit.* events (the route's transaction commits them)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import errors
from case_service.events import emit
from case_service.models import Unit
from case_service.units.schemas import UnitCreate, UnitRead, UnitUpdate
from enforcement_common.api.concurrency import check_if_match
from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.api.tables import unit_tree
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, list_in_scope
from enforcement_common.contracts.case import UnitCreated, UnitUpdated

#: Which kind may sit under which (county → townships, departments, bureaus → sections, detachments).
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    "county": {None},
    "township": {"county"},
    "department": {"county"},
    "bureau": {"county"},
    "section": {"township", "department", "bureau"},
    "detachment": {"township", "department", "bureau"},
}


def read(unit: Unit) -> UnitRead:
    return UnitRead.model_validate(unit, from_attributes=True)


async def _check_parent(
    session: AsyncSession, kind: str, parent_id: uuid.UUID | None, unit_id: uuid.UUID | None = None
) -> None:
    parent = await session.get(Unit, parent_id) if parent_id else None
    if parent_id and parent is None:
        raise errors.UNIT_PARENT_NOT_FOUND(
            "The parent unit does not exist.",
            errors=[{"loc": ["body", "parent_id"], "msg": "unknown unit", "type": "reference"}],
        )
    if parent_id is not None and parent_id == unit_id:
        raise errors.UNIT_INVALID_PARENT("A unit cannot be its own parent.")
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        allowed = ", ".join(sorted(k or "none" for k in ALLOWED_PARENTS[kind]))
        raise errors.UNIT_INVALID_PARENT(f"A {kind} sits under: {allowed} (not {parent_kind or 'none'}).")


async def _mirror_tree(session: AsyncSession, unit: Unit) -> None:
    """case-service owns units: its own scope tree is updated in the same transaction."""
    values = {"parent_id": unit.parent_id, "code": unit.code, "name": unit.name, "kind": unit.kind}
    await session.execute(
        insert(unit_tree)
        .values(unit_id=unit.id, **values)
        .on_conflict_do_update(index_elements=[unit_tree.c.unit_id], set_=values)
    )


def _event_data(unit: Unit) -> dict:
    return {
        "unit_id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "region_code": unit.region_code,
        "duties": list(unit.duties or []),
    }


async def create(session: AsyncSession, body: UnitCreate) -> UnitRead:
    if await session.scalar(select(Unit.id).where(Unit.code == body.code)):
        raise errors.UNIT_CODE_TAKEN(f"A unit with code {body.code} exists.")
    await _check_parent(session, body.kind, body.parent_id)
    unit = Unit(id=uuid.uuid4(), short_name=body.short_name or body.code, **body.model_dump(exclude={"short_name"}))
    session.add(unit)
    await session.flush()
    await _mirror_tree(session, unit)
    await emit(session, UnitCreated(**_event_data(unit)))
    return read(unit)


async def get(session: AsyncSession, caller: Caller, unit_id: uuid.UUID) -> Unit:
    return await get_in_scope(session, caller, Unit, unit_id, "unit", unit_attr="id")


async def list_page(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    kind: str | None,
    parent_id: uuid.UUID | None,
    code: str | None,
) -> Page[UnitRead]:
    query = (
        (await list_in_scope(session, caller, Unit.id))
        .equal(Unit.kind, kind)
        .equal(Unit.parent_id, parent_id)
        .equal(Unit.code, code)
    )
    units, cursor = await query.page(session, [Unit.code], page)
    return Page[UnitRead](items=[read(u) for u in units], next_cursor=cursor)


async def update(
    session: AsyncSession, caller: Caller, unit_id: uuid.UUID, body: UnitUpdate, if_match: str | None
) -> UnitRead:
    unit = await get(session, caller, unit_id)
    check_if_match(if_match, unit.version, required=True)
    changes = body.model_dump(exclude_unset=True)
    if "parent_id" in changes:
        await _check_parent(session, unit.kind, changes["parent_id"], unit.id)
    for field, value in changes.items():
        setattr(unit, field, value)
    await session.flush()
    await _mirror_tree(session, unit)
    await emit(session, UnitUpdated(**_event_data(unit)))
    return read(unit)
