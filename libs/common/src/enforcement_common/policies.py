"""Policy versions: a rule's configurable values as issued by a unit, in force from a date.

CONTRACT.md "policies": a policy version is ``issuer_unit_id``, ``effective_from``,
``values`` (typed per service) and ``source`` (title and document number of the
issuing notice). A version never changes once stored (the table refuses UPDATE and
DELETE; a correction is a new version). The version that applies to a fact is the one
of the **nearest issuing unit at or above the fact's unit** with the **latest
``effective_from`` on or before the fact's date** (incident, filing, closure …); the
platform defaults — the seeds' wording, declared in code by each service — apply
where no unit issued one. Every automated determination names the ``policy_id`` used
beside its ``basis``.

A service declares its :class:`PolicyCatalogue` (a values model and its platform
defaults), passes it to the app factory (which stores the defaults at start-up and
mounts ``GET/POST /policies``), and resolves values with :func:`resolve`.
"""

# No "from __future__ import annotations": the routes below are built in a function, and
# FastAPI must see their local models and dependencies as objects, not names.

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, Date, DateTime, Index, MetaData, Table, Text, UniqueConstraint, select, text
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.pagination import Page, PageParamsDep, paginate
from enforcement_common.api.problems import ProblemError
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep, problem
from enforcement_common.api.tables import unit_tree
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, not_found
from enforcement_common.calendar import today
from enforcement_common.contracts import BoundedDate

__all__ = [
    "PolicyCatalogue",
    "PolicyDefault",
    "PolicyResolver",
    "PolicySource",
    "ResolvedPolicy",
    "policy_router",
    "policy_versions",
    "resolve",
    "store_defaults",
    "version_values",
]

V = TypeVar("V", bound=BaseModel)

metadata = MetaData()

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("issuer_unit_id", UUID(as_uuid=True)),  # NULL: the platform default (the seeds' wording)
    Column("effective_from", Date, nullable=False),
    Column("values", JSONB, nullable=False),
    Column("source", JSONB, nullable=False),
    Column("created_by", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("issuer_unit_id", "effective_from", name="policy_versions_issuer_from_key"),
    # NULLs are distinct in a UNIQUE constraint: one platform version per date needs its own index.
    Index(
        "policy_versions_platform_from_key",
        "effective_from",
        unique=True,
        postgresql_where=text("issuer_unit_id IS NULL"),
    ),
)


class PolicySource(BaseModel):
    """The issuing notice: its title and document number (文号)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    document_number: str | None = Field(default=None, max_length=100)


@dataclass(frozen=True)
class PolicyDefault(Generic[V]):
    """A platform default version: the seeds' wording in force from ``effective_from``."""

    effective_from: date
    values: V
    source: PolicySource


@dataclass(frozen=True)
class PolicyCatalogue(Generic[V]):
    """A service's policy: its values model and the platform defaults (oldest first)."""

    service: str
    values_model: type[V]
    defaults: tuple[PolicyDefault[V], ...]
    writers: tuple[str, ...] = ("admin", "justice_bureau")

    def default_id(self, default: PolicyDefault[V]) -> uuid.UUID:
        """Stable id of a platform default: the same wording on the same date, the same id."""
        content = json.dumps(default.values.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return uuid.uuid5(uuid.NAMESPACE_URL, f"policy/{self.service}/{default.effective_from}/{content}")


@dataclass(frozen=True)
class ResolvedPolicy(Generic[V]):
    """The version that applies to a fact, with its typed values."""

    policy_id: uuid.UUID
    issuer_unit_id: uuid.UUID | None
    effective_from: date
    values: V


class PolicyNotInForce(ProblemError):
    def __init__(self, on: date) -> None:
        super().__init__(
            422,
            "policy.not_in_force",
            f"No policy version is in force on {on.isoformat()} (the earliest platform version starts later).",
            date=on.isoformat(),
        )


async def store_defaults(session: AsyncSession, catalogue: PolicyCatalogue) -> None:
    """Store the platform defaults (idempotent). A default whose wording changed in code
    while keeping its date would silently rewrite history: refused — add a version.

    The wording is compared as the values model reads it, so that a value added to the model
    later (with a default) does not make an earlier stored version "different": read back, the
    stored version has that default, as it had in effect. The stored row keeps its id."""
    for default in catalogue.defaults:
        await session.execute(
            insert(policy_versions)
            .values(
                id=catalogue.default_id(default),
                issuer_unit_id=None,
                effective_from=default.effective_from,
                values=default.values.model_dump(mode="json"),
                source=default.source.model_dump(mode="json"),
                created_by="platform",
            )
            .on_conflict_do_nothing()
        )
        stored = await session.scalar(
            select(policy_versions.c["values"]).where(
                policy_versions.c.issuer_unit_id.is_(None), policy_versions.c.effective_from == default.effective_from
            )
        )
        if catalogue.values_model.model_validate(stored) != default.values:
            raise RuntimeError(
                f"{catalogue.service}: the platform policy of {default.effective_from} differs from the stored one; "
                "a version never changes — declare a new default with a later effective_from"
            )


_RESOLVE = text(
    """
    WITH RECURSIVE above(unit_id, depth) AS (
        SELECT CAST(:unit AS uuid), 0
        UNION
        SELECT t.parent_id, a.depth + 1 FROM unit_tree t JOIN above a ON t.unit_id = a.unit_id
        WHERE t.parent_id IS NOT NULL AND a.depth < 64
    )
    SELECT p.id, p.issuer_unit_id, p.effective_from, p.values
    FROM policy_versions p LEFT JOIN above a ON a.unit_id = p.issuer_unit_id
    WHERE p.effective_from <= :on AND (p.issuer_unit_id IS NULL OR a.unit_id IS NOT NULL)
    ORDER BY a.depth ASC NULLS LAST, p.effective_from DESC
    LIMIT 1
    """
)


async def resolve(
    session: AsyncSession, catalogue: PolicyCatalogue[V], unit_id: uuid.UUID | None, on: date
) -> ResolvedPolicy[V]:
    """The version that applies to a fact of ``unit_id`` dated ``on`` (see the module)."""
    row = (await session.execute(_RESOLVE, {"unit": unit_id, "on": on})).first()
    if row is None:
        raise PolicyNotInForce(on)
    return ResolvedPolicy(
        policy_id=row.id,
        issuer_unit_id=row.issuer_unit_id,
        effective_from=row.effective_from,
        values=catalogue.values_model.model_validate(row.values),
    )


async def version_values(session: AsyncSession, catalogue: PolicyCatalogue[V], policy_id: uuid.UUID) -> V:
    """The values of one stored version (a determination made under it is redone under it)."""
    values = await session.scalar(select(policy_versions.c["values"]).where(policy_versions.c.id == policy_id))
    if values is None:
        raise LookupError(f"no policy version {policy_id}")
    return catalogue.values_model.model_validate(values)


class PolicyResolver(Generic[V]):
    """:func:`resolve` with the answers kept, for a batch of facts (one query per unit and date)."""

    def __init__(self, session: AsyncSession, catalogue: PolicyCatalogue[V]) -> None:
        self.session = session
        self.catalogue = catalogue
        self._known: dict[tuple[uuid.UUID | None, date], ResolvedPolicy[V]] = {}

    async def __call__(self, unit_id: uuid.UUID | None, on: date) -> ResolvedPolicy[V]:
        key = (unit_id, on)
        if key not in self._known:
            self._known[key] = await resolve(self.session, self.catalogue, unit_id, on)
        return self._known[key]


def policy_router(catalogue: PolicyCatalogue[V]) -> ServiceRouter:
    """``GET /policies``, ``GET /policies/{id}``, ``POST /policies`` with the service's typed values."""
    values_model = catalogue.values_model

    class PolicyCreate(BaseModel):
        model_config = ConfigDict(extra="forbid")

        issuer_unit_id: uuid.UUID = Field(
            description="The issuing unit (its own unit and the units below it follow it)"
        )
        effective_from: BoundedDate = Field(description="First day in force (Asia/Shanghai); not earlier than today")
        values: values_model  # type: ignore[valid-type]
        source: PolicySource

    class PolicyRead(BaseModel):
        id: uuid.UUID
        issuer_unit_id: uuid.UUID | None = Field(description="null: the platform default (the seeds' wording)")
        effective_from: date
        values: values_model  # type: ignore[valid-type]
        source: PolicySource
        created_by: str | None
        created_at: datetime

    PolicyCreate.__name__ = PolicyCreate.__qualname__ = f"{values_model.__name__}VersionCreate"
    PolicyRead.__name__ = PolicyRead.__qualname__ = f"{values_model.__name__}Version"

    router = ServiceRouter(prefix="/policies", tags=["policies"], responses=COMMON_RESPONSES)
    Reader = Annotated[Caller, Depends(require_roles())]
    Writer = Annotated[Caller, Depends(require_roles(*catalogue.writers))]

    def read(row: Any) -> PolicyRead:
        return PolicyRead.model_validate(dict(row._mapping))

    @router.get("", response_model=Page[PolicyRead])
    async def list_policies(
        _: Reader,
        session: SessionDep,
        page: PageParamsDep,
        issuer_unit_id: uuid.UUID | None = None,
        platform: Annotated[bool | None, Query(description="true: only the platform defaults")] = None,
        in_force_on: Annotated[date | None, Query(description="versions with effective_from on or before")] = None,
    ) -> Page[PolicyRead]:
        """Policy versions, oldest first (policies are public to every authenticated caller)."""
        statement = select(policy_versions)
        if issuer_unit_id is not None:
            statement = statement.where(policy_versions.c.issuer_unit_id == issuer_unit_id)
        if platform is not None:
            column = policy_versions.c.issuer_unit_id
            statement = statement.where(column.is_(None) if platform else column.is_not(None))
        if in_force_on is not None:
            statement = statement.where(policy_versions.c.effective_from <= in_force_on)
        rows, cursor = await paginate(
            session, statement, [policy_versions.c.effective_from, policy_versions.c.id], page, scalars=False
        )
        return Page[PolicyRead](items=[read(r) for r in rows], next_cursor=cursor)

    @router.get("/{policy_id}", response_model=PolicyRead, responses=NOT_FOUND)
    async def read_policy(policy_id: uuid.UUID, _: Reader, session: SessionDep) -> PolicyRead:
        """One policy version."""
        row = (await session.execute(select(policy_versions).where(policy_versions.c.id == policy_id))).first()
        if row is None:
            raise ProblemError(404, "resource.not_found", "No such policy version.")
        return read(row)

    @router.post(
        "",
        status_code=201,
        response_model=PolicyRead,
        responses={
            **NOT_FOUND,
            409: problem("The issuer already has a version from that date (a version never changes)"),
        },
    )
    async def create_policy(body: PolicyCreate, caller: Writer, session: SessionDep, response: Response) -> PolicyRead:
        """Issue a policy version of a unit (admin, justice_bureau); in force from effective_from."""
        known = await session.scalar(select(unit_tree.c.unit_id).where(unit_tree.c.unit_id == body.issuer_unit_id))
        if known is None:
            raise not_found("unit")
        await ensure_in_scope(session, caller, body.issuer_unit_id, "unit")
        if body.effective_from < today():
            # A fact already dated would be judged by rules that were not in force when it was
            # determined; a correction is a new version from today on.
            raise ProblemError(
                422,
                "policy.retroactive",
                "effective_from is before today: a version cannot change what was already in force.",
                basis=["CONTRACT:policies"],
            )
        taken = await session.scalar(
            select(policy_versions.c.id).where(
                policy_versions.c.issuer_unit_id == body.issuer_unit_id,
                policy_versions.c.effective_from == body.effective_from,
            )
        )
        if taken is not None:
            raise ProblemError(
                409,
                "policy.version_exists",
                "This unit already issued a version in force from that date; versions never change.",
                existing_id=str(taken),
            )
        row = (
            await session.execute(
                insert(policy_versions)
                .values(
                    id=uuid.uuid4(),
                    issuer_unit_id=body.issuer_unit_id,
                    effective_from=body.effective_from,
                    values=body.values.model_dump(mode="json"),
                    source=body.source.model_dump(mode="json"),
                    created_by=caller.sub,
                )
                .returning(*policy_versions.c)
            )
        ).one()
        response.headers["Location"] = f"/api/v1/policies/{row.id}"
        return read(row)

    return router
