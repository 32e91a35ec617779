"""Cursor pagination and filter parsing for list endpoints (CONTRACT.md, "lists").

``{"items": [...], "next_cursor": "..." | null}``; ``limit`` 1–500, default 50.
Keyset pagination on a unique, stable ordering (e.g. ``(created_at, id)``): a
cursor encodes the last row's key, so pages neither skip nor repeat rows when
others are inserted meanwhile.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, any_, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.problems import ProblemError

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "ListQuery",
    "Page",
    "PageParams",
    "PageParamsDep",
    "check_range",
    "csv_values",
    "decode_cursor",
    "encode_cursor",
    "page_params",
    "paginate",
]

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class PageParams(BaseModel):
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


# async: a plain def dependency would be run in the thread pool, a thread hop per request.
async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size (default 50, max 500)")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=1000, description="next_cursor of the previous page")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageParamsDep = Annotated[PageParams, Depends(page_params)]

_ENCODERS = {
    "i": (int, int),
    "s": (str, str),
    "u": (uuid.UUID, uuid.UUID),
    "t": (datetime, datetime.fromisoformat),
    "d": (date, date.fromisoformat),
}


def encode_cursor(values: tuple[Any, ...]) -> str:
    tagged = []
    for value in values:
        for tag, (kind, _) in _ENCODERS.items():
            if (
                isinstance(value, kind)
                and not (kind is date and isinstance(value, datetime))
                and not (kind is int and isinstance(value, bool))
            ):
                tagged.append(
                    [tag, value.isoformat() if isinstance(value, date) else str(value) if tag == "u" else value]
                )
                break
        else:
            raise TypeError(f"cannot put {type(value).__name__} in a cursor")
    return base64.urlsafe_b64encode(json.dumps(tagged, separators=(",", ":")).encode()).decode().rstrip("=")


def _tag_for(python_type: type) -> str | None:
    for tag, (kind, _) in _ENCODERS.items():
        if python_type is kind:
            return tag
    return None


def decode_cursor(cursor: str, arity: int, tags: list[str | None] | None = None) -> tuple[Any, ...]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != arity:
            raise ValueError("wrong arity")
        if tags is not None and any(t is not None and pair[0] != t for pair, t in zip(raw, tags, strict=True)):
            raise ValueError("a value of another type than the sort key")
        values = tuple(_ENCODERS[tag][1](value) for tag, value in raw)
        if any(isinstance(v, int) and not -(2**63) <= v < 2**63 for v in values):
            raise ValueError("integer out of range")
        return values
    except (ValueError, KeyError, TypeError) as exc:
        raise ProblemError(400, "pagination.invalid_cursor", "The cursor is not one this endpoint issued.") from exc


async def paginate(
    session: AsyncSession, statement: Select, keys: list[Any], params: PageParams, *, scalars: bool = True
) -> tuple[list[Any], str | None]:
    """Items of ``statement`` ordered by ``keys`` (ascending, unique together) after the cursor.

    ``scalars=True`` for ``select(Model)`` (items are model instances), False for Core
    selects (items are rows).
    """
    if params.cursor:
        tags = []
        for key in keys:
            try:
                tags.append(_tag_for(key.type.python_type))
            except NotImplementedError:
                tags.append(None)
        statement = statement.where(tuple_(*keys) > tuple_(*decode_cursor(params.cursor, len(keys), tags)))
    result = await session.execute(statement.order_by(*keys).limit(params.limit + 1))
    rows = list(result.scalars() if scalars else result)
    items = rows[: params.limit]
    if len(rows) <= params.limit:
        return items, None
    last = items[-1]
    values = tuple(getattr(last, key.key) if scalars else last._mapping[key] for key in keys)
    return items, encode_cursor(values)


def check_range(name: str, start: date | datetime | None, end: date | datetime | None) -> None:
    """422 when a ``<name>_from``/``<name>_to`` filter pair is reversed."""
    if start is not None and end is not None and start > end:
        raise ProblemError(
            422,
            "request.invalid",
            f"{name}_from must not be after {name}_to.",
            errors=[{"loc": ["query", f"{name}_from"], "msg": f"after {name}_to", "type": "range"}],
        )


def csv_values(value: str | None, allowed: set[str] | None = None, name: str = "value") -> list[str]:
    """Parse ``a,b,c``; 422 on values outside ``allowed``."""
    if not value:
        return []
    values = [part.strip() for part in value.split(",") if part.strip()]
    if allowed is not None:
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise ProblemError(
                422,
                "request.invalid",
                f"Unknown {name}: {', '.join(unknown)}.",
                errors=[{"loc": ["query", name], "msg": f"allowed: {', '.join(sorted(allowed))}", "type": "enum"}],
            )
    return values


@dataclass(frozen=True)
class ListQuery:
    """The filters of a list endpoint in front of :func:`paginate`, from optional query values.

    Each method adds its condition only when the value was given (not ``None``)::

        query = (await list_in_scope(session, caller, Case.unit_id))
            .equal(Case.category, category)
            .range(Case.filed_on, filed_from, filed_to, name="filed")
            .contains(Case.co_handler_ids, handler_id)
        items, cursor = await query.page(session, [Case.filed_on, Case.id], page)
    """

    statement: Select

    def where(self, *conditions: ColumnElement[bool], given: Any = True) -> ListQuery:
        """Add ``conditions`` when ``given`` is not ``None`` (nor False)."""
        if given is None or given is False:
            return self
        return ListQuery(self.statement.where(*conditions))

    def equal(self, column: Any, value: Any) -> ListQuery:
        """``column = value`` when ``value`` is given."""
        return self if value is None else ListQuery(self.statement.where(column == value))

    def range(self, column: Any, start: Any, end: Any, *, name: str) -> ListQuery:
        """``start <= column <= end``, each bound when given; 422 when ``<name>_from`` is after ``<name>_to``."""
        check_range(name, start, end)
        statement = self.statement
        if start is not None:
            statement = statement.where(column >= start)
        if end is not None:
            statement = statement.where(column <= end)
        return ListQuery(statement)

    def contains(self, array_column: Any, value: Any) -> ListQuery:
        """``value = ANY(array_column)`` when ``value`` is given."""
        return self if value is None else ListQuery(self.statement.where(value == any_(array_column)))

    async def page(
        self, session: AsyncSession, keys: list[Any], params: PageParams, *, scalars: bool = True
    ) -> tuple[list[Any], str | None]:
        """:func:`paginate` of the filtered statement."""
        return await paginate(session, self.statement, keys, params, scalars=scalars)
