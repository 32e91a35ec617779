"""Units: hierarchy rules, persistence and unit.* events in one transaction each."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.common import emit
from case_service.models import Unit
from case_service.units.schemas import UnitCreate, UnitRead, UnitUpdate
from enforcement_common.api.problems import ProblemError
from enforcement_common.api.tables import unit_tree
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, not_found
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
        raise ProblemError(
            422,
            "unit.parent_not_found",
            "The parent unit does not exist.",
            errors=[{"loc": ["body", "parent_id"], "msg": "unknown unit", "type": "reference"}],
        )
    if parent_id is not None and parent_id == unit_id:
        raise ProblemError(422, "unit.invalid_parent", "A unit cannot be its own parent.")
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        allowed = ", ".join(sorted(k or "none" for k in ALLOWED_PARENTS[kind]))
        raise ProblemError(422, "unit.invalid_parent", f"A {kind} sits under: {allowed} (not {parent_kind or 'none'}).")


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
    }


async def create(session: AsyncSession, body: UnitCreate) -> UnitRead:
    if await session.scalar(select(Unit.id).where(Unit.code == body.code)):
        raise ProblemError(409, "unit.code_taken", f"A unit with code {body.code} exists.")
    await _check_parent(session, body.kind, body.parent_id)
    unit = Unit(id=uuid.uuid4(), short_name=body.short_name or body.code, **body.model_dump(exclude={"short_name"}))
    session.add(unit)
    await session.flush()
    await _mirror_tree(session, unit)
    await emit(session, UnitCreated(**_event_data(unit)))
    await session.commit()
    return read(unit)


async def get_visible(session: AsyncSession, caller: Caller, unit_id: uuid.UUID) -> Unit:
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise not_found("unit")
    await ensure_in_scope(session, caller, unit.id, "unit")
    return unit


async def update(session: AsyncSession, unit: Unit, body: UnitUpdate) -> UnitRead:
    changes = body.model_dump(exclude_unset=True)
    if "parent_id" in changes:
        await _check_parent(session, unit.kind, changes["parent_id"], unit.id)
    for field, value in changes.items():
        setattr(unit, field, value)
    await session.flush()
    await _mirror_tree(session, unit)
    await emit(session, UnitUpdated(**_event_data(unit)))
    await session.commit()
    return read(unit)
