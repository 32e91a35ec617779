"""The shared test kit (enforcement_common.testing) proved on the example notes service:
template databases, headers, delivery with and without the inbox, the outbox check, and an
authorization matrix that finds a route leaking a sibling unit's objects."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, ClassVar

import asyncpg
import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict
from sqlalchemy import DateTime, Integer, Text, Uuid, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from enforcement_common.api.problems import ProblemError
from enforcement_common.api.routing import SessionDep, problem
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.app import create_service_app
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, not_found, select_in_scope
from enforcement_common.config import BaseServiceSettings
from enforcement_common.contracts.case import CaseClosed, UnitCreated
from enforcement_common.events import ReceivedEvent, add_event
from enforcement_common.testing import databases
from enforcement_common.testing.authz import authorization_matrix
from enforcement_common.testing.delivery import (
    apply_without_inbox,
    assert_handler_idempotent_on_state,
    deliver,
    snapshot,
)
from enforcement_common.testing.infra import repo_root
from enforcement_common.testing.kit import TEST_JWT_SECRET, Seeded, ServiceTestKit, headers
from enforcement_common.testing.outbox import assert_outbox_matches_schemas

HERE = Path(__file__).resolve().parent  # the example schema's migrations (notes, outbox, inbox, unit tree)
UNITS = {name: uuid.uuid5(uuid.NAMESPACE_URL, f"testkit/{name}") for name in ("C", "A", "B")}


class KitSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KIT_EXAMPLE_", extra="ignore")
    service_name: ClassVar[str] = "kit-example-service"


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NoteCreate(BaseModel):
    unit_id: uuid.UUID
    title: str = Field(min_length=1, max_length=200)


PROBLEMS = {401: problem("No token"), 403: problem("Role"), 404: problem("Missing"), 422: problem("Invalid")}
Reader = Annotated[Caller, Depends(require_roles())]
Writer = Annotated[Caller, Depends(require_roles("officer", "admin"))]

# --- the example service, scoped as it must be, and routes that leak ------------------------

router = ServiceRouter(responses=PROBLEMS)


@router.post("/notes", status_code=201)
async def create_note(body: NoteCreate, caller: Writer, session: SessionDep) -> dict:
    """A note in a unit of the caller's scope."""
    await ensure_in_scope(session, caller, body.unit_id, "unit")
    note = Note(id=uuid.uuid4(), unit_id=body.unit_id, title=body.title, version=1, created_at=datetime.now(UTC))
    session.add(note)
    await session.flush()  # the route's transaction commits
    return {"id": str(note.id), "unit_id": str(note.unit_id), "title": note.title}


@router.get("/notes/{note_id}")
async def read_note(note_id: uuid.UUID, caller: Reader, session: SessionDep) -> dict:
    """One note of the caller's scope."""
    note = await session.get(Note, note_id)
    if note is None:
        raise not_found("note")
    await ensure_in_scope(session, caller, note.unit_id, "note")
    return {"id": str(note.id), "unit_id": str(note.unit_id), "title": note.title}


@router.get("/notes")
async def list_notes(caller: Reader, session: SessionDep, unit_id: uuid.UUID | None = None) -> list[str]:
    """Titles of the notes of the caller's scope."""
    statement = await select_in_scope(session, caller, Note.unit_id)
    if unit_id:
        statement = statement.where(Note.unit_id == unit_id)
    return [note.title for note in (await session.scalars(statement)).all()]


leaky = ServiceRouter(responses=PROBLEMS)


@leaky.get("/leaky/notes/{note_id}")
async def read_without_scope(note_id: uuid.UUID, caller: Reader, session: SessionDep) -> dict:
    """Reads any note: the unit scope is forgotten."""
    note = await session.get(Note, note_id)
    if note is None:
        raise not_found("note")
    return {"id": str(note.id), "title": note.title}


@leaky.post("/leaky/notes/{note_id}/lock", responses={409: problem("Locked")})
async def lock_before_scope(note_id: uuid.UUID, caller: Reader, session: SessionDep) -> dict:
    """Checks the note's state before its scope: a 409 tells a stranger the note exists."""
    note = await session.get(Note, note_id)
    if note is None:
        raise not_found("note")
    if note.version >= 1:
        raise ProblemError(409, "note.locked", "Locked.")
    await ensure_in_scope(session, caller, note.unit_id, "note")
    return {}


@leaky.get("/leaky/titles")
async def every_title(caller: Reader, session: SessionDep) -> list[str]:
    """Every note's title, whatever its unit."""
    return list((await session.scalars(select(Note.title))).all())


def example_app(settings: KitSettings) -> FastAPI:
    return create_service_app(settings, title="Example", description="kit example", routers=[router])


def leaky_app(settings: KitSettings) -> FastAPI:
    return create_service_app(settings, title="Leaky", description="kit example", routers=[router, leaky])


async def seed_notes(kit: ServiceTestKit, app: FastAPI, client: httpx.AsyncClient) -> Seeded:
    """County C with sibling townships A (home) and B, a note in each."""
    for name, parent in (("C", None), ("A", "C"), ("B", "C")):
        kind = "county" if parent is None else "township"
        unit = UnitCreated(unit_id=UNITS[name], code=name, name=f"单位{name}", kind=kind, parent_id=UNITS.get(parent))
        await deliver(app, unit)
    seeded = Seeded(county=str(UNITS["C"]), units={"home": str(UNITS["A"]), "sibling": str(UNITS["B"])})
    for label, unit in (("home", "A"), ("sibling", "B")):
        title = f"{unit} 单位的案卷笔记"
        created = await client.post(
            "/api/v1/notes",
            json={"unit_id": str(UNITS[unit]), "title": title},
            headers=kit.headers("officer", unit=UNITS[unit]),
        )
        assert created.status_code == 201, created.text
        seeded.ids[label] = {"note_id": created.json()["id"], "unit_id": str(UNITS[unit])}
        seeded.markers[label] = {created.json()["id"], title}
    return seeded


sound = ServiceTestKit(create_app=example_app, settings_class=KitSettings, package=HERE, seed=seed_notes)
leaking = ServiceTestKit(create_app=leaky_app, settings_class=KitSettings, package=HERE, seed=seed_notes)


# --- template databases --------------------------------------------------------------------


async def test_each_copy_of_the_template_is_at_head_and_keeps_its_commits_to_itself() -> None:
    async with databases.database_from_template(HERE) as one, databases.database_from_template(HERE) as two:
        first = await asyncpg.connect(one.replace("+asyncpg", ""))
        second = await asyncpg.connect(two.replace("+asyncpg", ""))
        try:
            assert await first.fetchval("SELECT version_num FROM alembic_version") == "0003"  # the head
            await first.execute(
                "INSERT INTO notes (id, unit_id, title, version, created_at) VALUES ($1, $2, 'x', 1, now())",
                uuid.uuid4(),
                UNITS["A"],
            )
            assert await first.fetchval("SELECT count(*) FROM notes") == 1
            assert await second.fetchval("SELECT count(*) FROM notes") == 0
        finally:
            await first.close()
            await second.close()
    name = one.rsplit("/", 1)[1]
    await asyncio.to_thread(databases.wait_for_drops)
    admin = await asyncpg.connect(databases.libpq_url("postgres"))
    try:
        assert await admin.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", name) == 0, "dropped"
    finally:
        await admin.close()


async def test_the_migrations_run_once_per_session_into_a_template_closed_to_connections() -> None:
    template = await asyncio.to_thread(databases.template_for, HERE)
    assert await asyncio.to_thread(databases.template_for, HERE) == template
    with pytest.raises(asyncpg.PostgresError, match="not currently accepting connections"):
        await asyncpg.connect(databases.libpq_url(template))


async def test_while_a_test_runs_the_next_copy_of_its_template_is_being_made() -> None:
    template = await asyncio.to_thread(databases.template_for, HERE)
    async with databases.database_copied_from(template) as url:
        ahead = databases._spares.ahead[template]
        next_name = await asyncio.wrap_future(ahead)
        assert next_name != url.rsplit("/", 1)[1]
        async with databases.database_copied_from(template) as second:
            assert second.rsplit("/", 1)[1] == next_name, "the next test takes the copy made ahead"


async def test_a_prebuilt_world_is_built_once_and_every_copy_starts_with_it() -> None:
    builds = []

    async def two_units(kit: ServiceTestKit, app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
        builds.append(1)
        for name, parent in (("C", None), ("A", "C")):
            kind = "county" if parent is None else "township"
            unit = UnitCreated(unit_id=UNITS[name], code=name, name=name, kind=kind, parent_id=UNITS.get(parent))
            await deliver(app, unit)
        return {"A": str(UNITS["A"])}

    kit = ServiceTestKit(
        create_app=example_app, settings_class=KitSettings, package=HERE, prebuilt={"two_units": two_units}
    )
    assert await kit.prebuilt_world("two_units") == {"A": str(UNITS["A"])}
    template, _ = await asyncio.to_thread(kit.prebuilt_template, "two_units")
    for _ in range(2):
        async with databases.database_copied_from(template) as url, kit.started(url) as app:
            assert len((await snapshot(app, "unit_tree"))["unit_tree"]) == 2
    assert builds == [1], "built once"


# --- headers -----------------------------------------------------------------------------


def test_headers_sign_the_contract_claims_with_the_kit_secret() -> None:
    unit, officer = uuid.uuid4(), uuid.uuid4()
    verifier_app = example_app(KitSettings(database_url="", auth_jwt_secret=TEST_JWT_SECRET))
    scheme, token = headers("officer", "legal_affairs", unit=unit, officer=officer)["Authorization"].split()
    caller = verifier_app.state.token_verifier.verify(token)
    assert scheme == "Bearer"
    assert caller.roles == {"officer", "legal_affairs"} and caller.unit_id == unit and caller.officer_id == officer
    again = headers("officer", "legal_affairs", unit=unit, officer=officer)["Authorization"].split()[1]
    assert verifier_app.state.token_verifier.verify(again).sub == caller.sub, "the same caller is the same person"
    county = verifier_app.state.token_verifier.verify(headers("admin")["Authorization"].split()[1])
    assert county.unit_id is None and county.county_wide


# --- delivery ----------------------------------------------------------------------------


def _closed(unit: uuid.UUID) -> CaseClosed:
    lead = uuid.uuid4()
    return CaseClosed(
        case_id=uuid.uuid4(),
        case_no="城关〔2026〕1号",
        unit_id=unit,
        category="penalty",
        lead_handler_id=lead,
        handler_ids=[lead],
        filed_on="2026-01-02",
        closed_on="2026-03-02",
        fine_amount="500.00",
        confiscation_amount=None,
        hearing_held=False,
    )


async def note_per_delivery(session, event: ReceivedEvent[CaseClosed]) -> None:
    """Not idempotent on state: a new note each time it runs."""
    await session.execute(
        text("INSERT INTO notes (id, unit_id, title, version, created_at) VALUES (:id, :unit, :title, 1, now())"),
        {"id": uuid.uuid4(), "unit": event.data.unit_id, "title": event.data.case_no},
    )


async def note_per_case(session, event: ReceivedEvent[CaseClosed]) -> None:
    """Idempotent on state: one note per case, whatever the number of runs."""
    await session.execute(
        insert(Note.__table__)
        .values(id=event.data.case_id, unit_id=event.data.unit_id, title=event.data.case_no, version=1)
        .values(created_at=text("now()"))
        .on_conflict_do_nothing()
    )


def _kit_with(handler) -> ServiceTestKit:
    return ServiceTestKit(
        create_app=example_app,
        settings_class=KitSettings,
        package=HERE,
        consumers=lambda runner, app: runner.on(CaseClosed)(handler),
    )


async def test_deliver_redelivers_at_the_same_position_and_replays_at_new_ones_and_the_inbox_skips_both(
    database,
) -> None:
    kit = _kit_with(note_per_delivery)
    async with kit.started(database) as app:
        event = _closed(UNITS["A"])
        assert await deliver(app, event, times=2) == [True, False]
        positions = {}
        async with app.state.sessions() as session:
            positions["redelivered"] = (await session.execute(text('SELECT "offset" FROM inbox'))).scalar_one()
        assert await deliver(app, event, times=2, replay=True) == [False, False]
        assert (await snapshot(app, "notes"))["notes"].__len__() == 1, "the handler ran once"
        # A dead-lettered event is applied again when it comes from another position only
        # (the runner's own rule): the positions deliver() gives are real positions.
        async with app.state.sessions() as session, session.begin():
            await session.execute(text("UPDATE inbox SET outcome = 'dead_lettered'"))
        assert await deliver(app, event) == [False], "a redelivery of a dead letter is skipped"
        assert await deliver(app, event, replay=True) == [True], "a replay of a dead letter is applied"
        async with app.state.sessions() as session:
            replayed = (await session.execute(text('SELECT "offset" FROM inbox'))).scalar_one()
        assert replayed != positions["redelivered"]


async def test_apply_without_inbox_runs_the_handler_again_and_finds_one_not_idempotent_on_state(database) -> None:
    async with _kit_with(note_per_delivery).started(database) as app:
        with pytest.raises(AssertionError, match="changed notes"):
            await assert_handler_idempotent_on_state(app, _closed(UNITS["A"]), "notes")
    async with _kit_with(note_per_case).started(database) as app:
        event = _closed(UNITS["B"])
        await assert_handler_idempotent_on_state(app, event, "notes")
        notes = len((await snapshot(app, "notes"))["notes"])
        await apply_without_inbox(app, event, handler=note_per_delivery)  # a handler given explicitly
        assert len((await snapshot(app, "notes"))["notes"]) == notes + 1


async def test_every_service_gets_the_unit_tree_handler_idempotent_on_state(database) -> None:
    async with sound.started(database) as app:
        unit = UnitCreated(unit_id=uuid.uuid4(), code="Z", name="某镇", kind="township", parent_id=None)
        await assert_handler_idempotent_on_state(app, unit, "unit_tree")


# --- the outbox ------------------------------------------------------------------------


async def test_outbox_events_are_checked_against_their_published_schemas(database) -> None:
    async with sound.started(database) as app:
        async with app.state.sessions() as session, session.begin():
            await add_event(session, _closed(UNITS["A"]), source="example-service")
        assert await assert_outbox_matches_schemas(app) == {"case.closed": 1}
        async with app.state.sessions() as session, session.begin():
            await session.execute(text("UPDATE outbox SET payload = payload #- '{data,case_no}'"))
        with pytest.raises(AssertionError, match="'case_no' is a required property"):
            await assert_outbox_matches_schemas(app)


# --- the authorization matrix ------------------------------------------------------------


async def _matrix(kit: ServiceTestKit, role: str):
    async with kit.seeded_database() as (url, seeded), kit.started(url) as app, kit.client_for(app) as client:
        return await authorization_matrix(kit, app, client, seeded, role)


async def test_authorization_matrix_passes_a_service_that_scopes_every_object() -> None:
    for role in ("officer", "auditor", "admin"):
        findings = [str(call) for call in await _matrix(sound, role) if call.finding]
        assert findings == [], role


async def test_authorization_matrix_finds_a_foreign_object_served_revealed_or_listed() -> None:
    findings = {call.operation.key: call.finding for call in await _matrix(leaking, "officer") if call.finding}
    assert set(findings) == {
        "GET /api/v1/leaky/notes/{note_id}",
        "POST /api/v1/leaky/notes/{note_id}/lock",
        "GET /api/v1/leaky/titles",
    }
    assert "sibling unit's data" in findings["GET /api/v1/leaky/notes/{note_id}"]
    assert "409 for an object outside scope" in findings["POST /api/v1/leaky/notes/{note_id}/lock"]
    assert "B 单位的案卷笔记" in findings["GET /api/v1/leaky/titles"]
    county = [call for call in await _matrix(leaking, "justice_bureau") if call.finding]
    assert county == [], "a county-wide role may see the sibling unit"


# --- make unit ---------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_make_unit_runs_the_pure_rule_tests_with_no_server_reachable() -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.endswith("_DATABASE_URL")
        and key not in {"KAFKA_BOOTSTRAP_SERVERS", "PYTEST_ADDOPTS", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
    }
    env["PYTEST_ARGS"] = "-q"
    result = subprocess.run(
        ["make", "unit", "SERVICE=review-service"],
        cwd=repo_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = next(line for line in reversed(result.stdout.splitlines()) if " passed" in line or " failed" in line)
    assert " passed" in summary and "deselected" in summary and "failed" not in summary, summary
