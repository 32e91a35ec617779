"""A small example service for the API-kit tests: notes in units, on a real PostgreSQL.

Every piece a real route declares is used here: roles, unit scope, typed models,
documented problems, cursor pagination with filters, Idempotency-Key, ETag and
If-Match, the audit log (mounted by the app factory) and the calendar.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict
from sqlalchemy import DateTime, Text, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from enforcement_common.api.concurrency import IfMatchDep, Versioned, check_if_match, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep, check_range, paginate
from enforcement_common.api.problems import ProblemError
from enforcement_common.api.routing import SessionDep, problem
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.app import create_service_app
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import apply_unit_event, ensure_in_scope, not_found, scope_clause, visible_units
from enforcement_common.auth.tokens import mint_token
from enforcement_common.calendar import due_date
from enforcement_common.config import BaseServiceSettings
from enforcement_common.contracts.case import UnitCreated
from enforcement_common.db import create_engine, session_factory
from enforcement_common.events.consumer import ReceivedEvent
from enforcement_common.policies import PolicyCatalogue, PolicyDefault, PolicySource
from enforcement_common.testing.databases import (
    asyncpg_url,
    copy_database,
    database_from_template,
    drop_database,
    template_for,
)
from enforcement_common.testing.infra import kafka_bootstrap
from enforcement_common.testing.live import serve_in_thread

HERE = Path(__file__).resolve().parent
SECRET = "api-kit-test-secret-0123456789abcdef0123"


class ExampleSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_", extra="ignore")
    service_name: ClassVar[str] = "example-service"


class Base(DeclarativeBase):
    pass


class Note(Versioned, Base):
    __tablename__ = "notes"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NoteCreate(BaseModel):
    unit_id: uuid.UUID
    title: str = Field(min_length=1, max_length=200)


class NoteUpdate(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class NoteRead(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    title: str
    version: int
    created_at: datetime


class DueRead(BaseModel):
    start: date
    days: int
    kind: Literal["calendar", "working"]
    due_on: date
    basis: list[str]


COMMON_PROBLEMS = {
    401: problem("Missing or invalid token"),
    403: problem("Role not allowed"),
    422: problem("Invalid request"),
}
Writer = Annotated[Caller, Depends(require_roles("officer", "unit_leader", "admin"))]
Reader = Annotated[Caller, Depends(require_roles())]

router = ServiceRouter(responses=COMMON_PROBLEMS)


def _read(note: Note) -> NoteRead:
    return NoteRead(
        id=note.id, unit_id=note.unit_id, title=note.title, version=note.version, created_at=note.created_at
    )


async def _create(session: AsyncSession, caller: Caller, body: NoteCreate, response: Response) -> NoteRead:
    await ensure_in_scope(session, caller, body.unit_id, "unit")
    note = Note(id=uuid.uuid4(), unit_id=body.unit_id, title=body.title, created_at=datetime.now(UTC))
    session.add(note)
    await session.flush()
    set_etag(response, note.version)
    response.headers["Location"] = f"/api/v1/notes/{note.id}"
    return _read(note)


@router.post(
    "/notes",
    status_code=201,
    response_model=NoteRead,
    responses={404: problem("Unit outside scope"), 409: problem("Idempotent request in flight")},
)
async def create_note(body: NoteCreate, caller: Writer, session: SessionDep, response: Response) -> NoteRead:
    """Create a note in a unit of the caller's scope."""
    return await _create(session, caller, body, response)


@router.post(
    "/notes:slow",
    status_code=201,
    response_model=NoteRead,
    responses={404: problem("Unit outside scope"), 409: problem("Idempotent request in flight")},
)
async def create_note_slowly(body: NoteCreate, caller: Writer, session: SessionDep, response: Response) -> NoteRead:
    """Create a note after a second (to overlap retries)."""
    await asyncio.sleep(1.0)
    return await _create(session, caller, body, response)


@router.post("/notes:fail-after-effect", status_code=201, response_model=NoteRead, include_in_schema=False)
async def create_note_then_fail(
    body: NoteCreate, caller: Writer, session: SessionDep, request: Request, response: Response
) -> NoteRead:
    """Writes the note, then fails while ``app.state.fail_after_effect`` is set."""
    note = await _create(session, caller, body, response)
    if getattr(request.app.state, "fail_after_effect", False):
        raise RuntimeError("failed after the effect")
    return note


@router.get("/notes", response_model=Page[NoteRead])
async def list_notes(
    caller: Reader,
    session: SessionDep,
    page: PageParamsDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> Page[NoteRead]:
    """Notes of the caller's scope, oldest first."""
    check_range("created", created_from, created_to)
    visible = await visible_units(session, caller)
    statement = select(Note).where(scope_clause(Note.unit_id, visible))
    if q:
        statement = statement.where(Note.title.contains(q, autoescape=True))
    if created_from:
        statement = statement.where(Note.created_at >= created_from)
    if created_to:
        statement = statement.where(Note.created_at <= created_to)
    notes, next_cursor = await paginate(session, statement, [Note.created_at, Note.id], page)
    return Page[NoteRead](items=[_read(n) for n in notes], next_cursor=next_cursor)


async def _visible_note(session: AsyncSession, caller: Caller, note_id: uuid.UUID) -> Note:
    note = await session.get(Note, note_id)
    if note is None:
        raise not_found("note")
    await ensure_in_scope(session, caller, note.unit_id, "note")
    return note


@router.get("/notes/{note_id}", response_model=NoteRead, responses={404: problem("No such note in scope")})
async def read_note(note_id: uuid.UUID, caller: Reader, session: SessionDep, response: Response) -> NoteRead:
    """One note."""
    note = await _visible_note(session, caller, note_id)
    set_etag(response, note.version)
    return _read(note)


@router.patch(
    "/notes/{note_id}",
    response_model=NoteRead,
    responses={404: problem("No such note in scope"), 412: problem("Changed meanwhile"), 415: problem("Not JSON")},
)
async def update_note(
    note_id: uuid.UUID, body: NoteUpdate, caller: Writer, session: SessionDep, if_match: IfMatchDep, response: Response
) -> NoteRead:
    """Rename a note (If-Match required)."""
    note = await _visible_note(session, caller, note_id)
    check_if_match(if_match, note.version, required=True)
    note.title = body.title
    await session.flush()
    set_etag(response, note.version)
    return _read(note)


@router.post("/refusals", status_code=204, responses={409: problem("Refused by a rule")})
async def refuse(caller: Writer) -> None:
    """Always refused by a rule."""
    raise ProblemError(409, "review.basic_standard_failed", "A basic standard is not met.", basis=["REV-13"])


@router.get("/crash", include_in_schema=False)
async def crash() -> None:
    raise RuntimeError("secret internals")


@router.get("/big", include_in_schema=False)
async def big() -> dict[str, list[str]]:
    return {"items": ["案卷评查"] * 2000}


@router.get("/due", response_model=DueRead, responses={422: problem("Outside the calendar or invalid")})
async def due(
    caller: Reader,
    start: date,
    days: Annotated[int, Query(ge=0, le=365)],
    kind: Literal["calendar", "working"] = "calendar",
) -> DueRead:
    """A due date from the calendar (CASE-9 style)."""
    return DueRead(start=start, days=days, kind=kind, due_on=due_date(start, days, kind), basis=["CASE-9"])


class ExamplePolicy(BaseModel):
    """The example service's configurable values (a notification period, TOL-14 style)."""

    notify_days: int = Field(default=7, ge=1, le=60)
    day_kind: Literal["calendar", "working"] = "calendar"


EXAMPLE_POLICIES = PolicyCatalogue(
    service="example-service",
    values_model=ExamplePolicy,
    defaults=(
        PolicyDefault(
            effective_from=date(2020, 1, 1),
            values=ExamplePolicy(),
            source=PolicySource(title="示例办法（平台默认）", document_number="示例〔2020〕1号"),
        ),
    ),
)


def build_app(database_url: str, **overrides: Any) -> FastAPI:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": kafka_bootstrap(),
        "auth_jwt_secret": SECRET,
        "run_workers": False,
    }
    settings = ExampleSettings(**{**values, **overrides})
    return create_service_app(
        settings, title="Example", description="API-kit example", routers=[router], policies=EXAMPLE_POLICIES
    )


# --- units: county C → townships A and B; A → section A1 -------------------------------

UNITS = {name: uuid.uuid5(uuid.NAMESPACE_URL, f"unit/{name}") for name in ("C", "A", "B", "A1")}
PARENTS = {"C": None, "A": "C", "B": "C", "A1": "A"}


async def seed_units(sessions) -> None:
    async with sessions() as session, session.begin():
        for name, parent in PARENTS.items():
            data = UnitCreated(
                unit_id=UNITS[name],
                code=name,
                name=f"单位{name}",
                kind="county" if parent is None else "township",
                parent_id=UNITS[parent] if parent else None,
            )
            await apply_unit_event(session, ReceivedEvent(envelope=None, data=data, record=None))  # type: ignore[arg-type]


def token(
    *roles: str,
    unit: str | None = "A",
    sub: str | None = None,
    secret: str = SECRET,
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """A token for ``roles`` in ``unit``; ``claims`` override, ``drop`` removes claims (for negative tests)."""
    raw = (
        mint_token(
            roles=list(roles) or ["officer"],
            unit_id=str(UNITS[unit]) if unit else None,
            secret=secret,
            sub=sub or f"user-{'-'.join(roles)}-{unit}",
        )
        if (unit or "admin" in roles)
        else None
    )
    payload = (
        jwt.decode(raw, secret, algorithms=["HS256"])
        if raw
        else {
            "sub": sub or "user",
            "roles": list(roles),
            "exp": int((datetime.now(UTC) + timedelta(hours=1)).timestamp()),
        }
    )
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if k not in drop}
    return jwt.encode(payload, secret, algorithm="HS256")


def auth(*roles: str, unit: str | None = "A", **kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(*roles, unit=unit, **kwargs)}"}


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A copy of the session's migrated template (enforcement_common.testing.databases)."""
    async with database_from_template(HERE) as url:
        yield url


@pytest.fixture
async def app(database: str) -> AsyncIterator[FastAPI]:
    application = build_app(database, cors_allowed_origins="https://web.example.gov.cn")
    async with application.router.lifespan_context(application):
        await seed_units(application.state.sessions)
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://example.test") as client:
        yield client


@pytest.fixture
def make_note(client: httpx.AsyncClient) -> Callable[..., Any]:
    async def create(title: str = "案卷", unit: str = "A", as_unit: str = "A", **headers: str) -> httpx.Response:
        return await client.post(
            "/api/v1/notes",
            json={"unit_id": str(UNITS[unit]), "title": title},
            headers={**auth("officer", unit=as_unit), **headers},
        )

    return create


def expired_token() -> str:
    return token("officer", exp=int((datetime.now(UTC) - timedelta(hours=1)).timestamp()))


@pytest.fixture
def units() -> dict[str, uuid.UUID]:
    return UNITS


@pytest.fixture
def auth_for() -> Callable[..., dict[str, str]]:
    """auth_for("officer", unit="A", **claims) → Authorization header."""
    return auth


@pytest.fixture
def token_for() -> Callable[..., str]:
    return token


@pytest.fixture
def jwt_secret() -> str:
    return SECRET


@pytest.fixture
def policies() -> PolicyCatalogue:
    return EXAMPLE_POLICIES


@pytest.fixture
def app_builder() -> Callable[..., FastAPI]:
    return build_app


# --- a live server for schemathesis (real HTTP, real PostgreSQL) ----------------------------


async def _prepare_database() -> tuple[str, str]:
    name = await copy_database(await asyncio.to_thread(template_for, HERE))
    url = asyncpg_url(name)
    engine = create_engine(url)
    await seed_units(session_factory(engine))
    await engine.dispose()
    return name, url


@pytest.fixture(scope="module")
def live_server():
    """The example app over real HTTP (uvicorn on 127.0.0.1, ephemeral port); its base URL."""
    name, url = asyncio.run(_prepare_database())
    try:
        with serve_in_thread(build_app(url)) as base_url:
            yield base_url
    finally:
        asyncio.run(drop_database(name))
