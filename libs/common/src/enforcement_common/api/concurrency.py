"""Optimistic concurrency: a ``version`` column, ``ETag`` on responses, ``If-Match`` ⇒ 412.

Models mix in :class:`Versioned`; SQLAlchemy then adds ``AND version = :old`` to
every UPDATE and bumps it, so a concurrent writer fails with ``StaleDataError``,
which the problem handlers answer as 412 too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from enforcement_common.api.problems import ProblemError

__all__ = ["IfMatchDep", "Versioned", "check_if_match", "etag", "set_etag"]


class Versioned:
    """Mixin for ORM models: ``version`` starts at 1 and increases with every update."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.version}


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


async def _if_match(request: Request) -> str | None:
    return request.headers.get("if-match")


#: The request's ``If-Match`` header (``None`` when absent): a route passes it to the
#: service, which checks it with :func:`check_if_match` once it has read the current version.
IfMatchDep = Annotated[str | None, Depends(_if_match)]


def check_if_match(header: str | None, current_version: int, *, required: bool = False) -> None:
    """Compare an ``If-Match`` value (from :data:`IfMatchDep`) with the current version:
    412 on mismatch, 428 when required and absent."""
    if header is None:
        if required:
            raise ProblemError(428, "concurrency.precondition_required", "Send If-Match with the ETag you last read.")
        return
    if header.strip() == "*":
        return
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if etag(current_version) not in tags:
        raise ProblemError(
            412,
            "concurrency.precondition_failed",
            "The resource changed since you read it; read it again and retry.",
            current_etag=etag(current_version),
        )
