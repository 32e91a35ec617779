"""Unit scope: a caller sees its own unit and every unit below it; county roles see all.

The tree is a local read model (``unit_tree``) fed by case-service's ``unit.*``
events (:func:`register_unit_tree`), so no service reads another's database. An
object outside the caller's scope answers 404, never 403 with data.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, literal, select, text, true, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from enforcement_common.api.pagination import ListQuery
from enforcement_common.api.problems import ProblemError
from enforcement_common.api.tables import unit_tree
from enforcement_common.auth.jwt import Caller
from enforcement_common.contracts.case import UnitCreated, UnitUpdated
from enforcement_common.events.consumer import ConsumerRunner, ReceivedEvent

__all__ = [
    "apply_unit_event",
    "ensure_in_scope",
    "get_in_scope",
    "list_in_scope",
    "not_found",
    "register_unit_tree",
    "scope_clause",
    "select_in_scope",
    "units_below",
    "visible_units",
]

M = TypeVar("M")

_DESCENDANTS = text(
    """
    WITH RECURSIVE below(unit_id) AS (
        SELECT CAST(:root AS uuid)
        UNION  -- UNION, not UNION ALL: a cycle in bad data cannot loop forever
        SELECT t.unit_id FROM unit_tree t JOIN below b ON t.parent_id = b.unit_id
    )
    SELECT unit_id FROM below
    """
)


async def units_below(session: AsyncSession, root: uuid.UUID) -> frozenset[uuid.UUID]:
    """``root`` and every unit below it (the subtree of the unit tree)."""
    rows = await session.execute(_DESCENDANTS, {"root": root})
    return frozenset(rows.scalars())


async def visible_units(session: AsyncSession, caller: Caller) -> frozenset[uuid.UUID] | None:
    """The units the caller may see; ``None`` means all (county-wide roles)."""
    if caller.county_wide:
        return None
    if caller.unit_id is None:
        return frozenset()
    return await units_below(session, caller.unit_id)


def not_found(what: str = "resource") -> ProblemError:
    return ProblemError(404, "resource.not_found", f"No such {what}, or it is outside your unit scope.")


async def ensure_in_scope(session: AsyncSession, caller: Caller, unit_id: uuid.UUID, what: str = "resource") -> None:
    """404 when ``unit_id`` is outside the caller's scope or names no unit this service knows
    (the same answer: whether it exists elsewhere is not revealed)."""
    visible = await visible_units(session, caller)
    if visible is not None and unit_id not in visible:
        raise not_found(what)
    # A county-wide caller sees every unit, and a caller's own unit is in its scope by its
    # token alone: that the unit exists is still to be checked (a random id is no unit).
    if visible is None or unit_id == caller.unit_id:
        if await session.scalar(select(unit_tree.c.unit_id).where(unit_tree.c.unit_id == unit_id)) is None:
            raise not_found(what)


def scope_clause(column: ColumnElement, visible: frozenset[uuid.UUID] | None) -> ColumnElement[bool]:
    """WHERE clause restricting ``column`` (a unit id) to the visible units."""
    if visible is None:
        return true()
    if not visible:
        return literal(False)
    return column.in_(visible)


async def select_in_scope(session: AsyncSession, caller: Caller, unit_column: InstrumentedAttribute) -> Select:
    """``select(Model)`` restricted to the caller's units, ``unit_column`` being the model's unit id."""
    return select(unit_column.class_).where(scope_clause(unit_column, await visible_units(session, caller)))


async def get_in_scope(
    session: AsyncSession,
    caller: Caller,
    model: type[M],
    id: Any,
    what: str = "resource",
    *,
    lock: bool = False,
    unit_attr: str = "unit_id",
) -> M:
    """The ``model`` row with primary key ``id`` when the caller may see it.

    The same 404 ``resource.not_found`` whether the row is missing or outside the
    caller's unit scope (its existence is not revealed). ``lock`` reads it ``FOR UPDATE``
    (a command about to change it); ``unit_attr`` names the attribute holding the row's
    unit (``"id"`` for a unit itself).
    """
    row = await session.get(model, id, with_for_update=True if lock else None)
    if row is None:
        raise not_found(what)
    await ensure_in_scope(session, caller, getattr(row, unit_attr), what)
    return row


async def list_in_scope(session: AsyncSession, caller: Caller, unit_column: InstrumentedAttribute) -> ListQuery:
    """A :class:`~enforcement_common.api.pagination.ListQuery` of the model of ``unit_column``
    restricted to the caller's units; chain its filters, then ``.page(...)``."""
    return ListQuery(await select_in_scope(session, caller, unit_column))


async def apply_unit_event(session: AsyncSession, event: ReceivedEvent[UnitCreated | UnitUpdated]) -> None:
    data = event.data
    values = {"parent_id": data.parent_id, "code": data.code, "name": data.name, "kind": data.kind}
    row = insert(unit_tree).values(unit_id=data.unit_id, **values)
    await session.execute(
        row.on_conflict_do_update(
            index_elements=[unit_tree.c.unit_id],
            set_={**values, "updated_at": text("now()")},
            # Idempotent on state: the same facts again leave the row (and its updated_at) alone.
            where=tuple_(*(unit_tree.c[name] for name in values)).is_distinct_from(
                tuple_(*(row.excluded[name] for name in values))
            ),
        )
    )


def register_unit_tree(runner: ConsumerRunner) -> None:
    """Keep ``unit_tree`` current from ``unit.created`` and ``unit.updated``."""
    runner.on(UnitCreated)(apply_unit_event)
    runner.on(UnitUpdated)(apply_unit_event)
