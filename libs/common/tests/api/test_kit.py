"""The service kit: get_in_scope, list filters, the overdue scanner, error catalogues, the
officer and case directory, and the app factory's declared background work — on the real
PostgreSQL (and Kafka, where workers run)."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal

import httpx
import pytest
from sqlalchemy import ARRAY, Boolean, Date, DateTime, Text, Uuid, select, text
from sqlalchemy.orm import Mapped, mapped_column

from enforcement_common.api.errors import PLATFORM, ErrorCatalogue, ErrorCode
from enforcement_common.api.pagination import PageParams
from enforcement_common.api.problems import ProblemError
from enforcement_common.api.routing import SessionDep
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.app import ConsumerSpec, PeriodicJob, create_service_app
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, list_in_scope
from enforcement_common.calendar import today
from enforcement_common.contracts import EventData
from enforcement_common.contracts.case import (
    CaseClosed,
    CaseFiled,
    CaseHandlersChanged,
    CaseStageChanged,
    OfficerQualificationChanged,
    OfficerRegistered,
)
from enforcement_common.directory import (
    DIRECTORY_TOPICS,
    apply_directory_event,
    case_views,
    officer_views,
    register_directory,
)
from enforcement_common.events import ConsumerRunner, OverdueScanner, ReceivedEvent
from enforcement_common.testing.catalogue import assert_catalogue_covers, codes_in_source
from enforcement_common.testing.infra import kafka_bootstrap

from .conftest import SECRET, UNITS, Base, ExampleSettings, Note

# --- an example aggregate with a due date, a marker and tags ---------------------------------


class Reminder(Base):
    __tablename__ = "reminders"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean)
    tags: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    overdue_emitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReminderOverdue(EventData):
    type: ClassVar[str] = "example.reminder_overdue"
    topic: ClassVar[str] = "example.reminders.v1"
    subject_field: ClassVar[str] = "reminder_id"
    register: ClassVar[bool] = False
    schema_version: Literal[1] = 1
    reminder_id: uuid.UUID
    due_on: date


def caller(unit: str | None, *roles: str) -> Caller:
    return Caller(
        sub=f"user-{unit}",
        name="测试",
        roles=frozenset(roles or ("officer",)),
        unit_id=UNITS[unit] if unit else None,
        officer_id=None,
    )


async def add_reminders(app, *reminders: dict[str, Any]) -> list[uuid.UUID]:
    ids = []
    async with app.state.sessions() as session, session.begin():
        for values in reminders:
            reminder = Reminder(
                id=uuid.uuid4(),
                **{"kind": "a", "done": False, "tags": [], "overdue_emitted_at": None, **values},
            )
            session.add(reminder)
            ids.append(reminder.id)
    return ids


# --- get_in_scope ---------------------------------------------------------------------------------


async def test_get_in_scope_answers_the_same_404_for_missing_and_out_of_scope(app) -> None:
    note_id = uuid.uuid4()
    async with app.state.sessions() as session, session.begin():
        session.add(Note(id=note_id, unit_id=UNITS["B"], title="乙的案卷", created_at=datetime.now(UTC)))
    async with app.state.sessions() as session:
        found = await get_in_scope(session, caller("B"), Note, note_id, "note")
        assert found.title == "乙的案卷"
        assert (await get_in_scope(session, caller("C"), Note, note_id, "note")).id == note_id  # the county above
        refusals = []
        for who, which in ((caller("A"), note_id), (caller("B"), uuid.uuid4())):
            with pytest.raises(ProblemError) as refused:
                await get_in_scope(session, who, Note, which, "note")
            refusals.append((refused.value.status, refused.value.code, refused.value.detail))
        assert refusals[0] == refusals[1] == (404, "resource.not_found", refusals[0][2])
        locked = await get_in_scope(session, caller("B"), Note, note_id, "note", lock=True)
        assert locked.id == note_id


# --- list filters ----------------------------------------------------------------------------------


async def test_list_query_applies_only_the_filters_given(app) -> None:
    tag = uuid.uuid4()
    day = date(2026, 3, 1)
    ids = await add_reminders(
        app,
        {"unit_id": UNITS["A"], "kind": "a", "due_on": day, "tags": [tag]},
        {"unit_id": UNITS["A"], "kind": "b", "due_on": day + timedelta(days=10)},
        {"unit_id": UNITS["A1"], "kind": "a", "due_on": day + timedelta(days=20), "tags": [tag]},
        {"unit_id": UNITS["B"], "kind": "a", "due_on": day},  # outside unit A's scope
    )

    async def listed(who: Caller, **filters: Any) -> list[uuid.UUID]:
        async with app.state.sessions() as session:
            query = (
                (await list_in_scope(session, who, Reminder.unit_id))
                .equal(Reminder.kind, filters.get("kind"))
                .range(Reminder.due_on, filters.get("due_from"), filters.get("due_to"), name="due")
                .contains(Reminder.tags, filters.get("tag"))
                .where(Reminder.unit_id != UNITS["A1"], given=filters.get("not_a1"))
            )
            items, cursor = await query.page(session, [Reminder.due_on, Reminder.id], PageParams(limit=50))
            assert cursor is None
            return [r.id for r in items]

    assert set(await listed(caller("A"))) == set(ids[:3])
    assert set(await listed(caller("C"))) == set(ids)
    assert await listed(caller("A"), kind="b") == [ids[1]]
    assert set(await listed(caller("A"), tag=tag)) == {ids[0], ids[2]}
    assert await listed(caller("A"), due_from=day + timedelta(days=5), due_to=day + timedelta(days=15)) == [ids[1]]
    assert set(await listed(caller("A"), due_from=day + timedelta(days=5))) == {ids[1], ids[2]}
    assert set(await listed(caller("A"), not_a1=True)) == {ids[0], ids[1]}
    with pytest.raises(ProblemError) as reversed_range:
        await listed(caller("A"), due_from=day, due_to=day - timedelta(days=1))
    assert (reversed_range.value.status, reversed_range.value.code) == (422, "request.invalid")


# --- the overdue scanner ----------------------------------------------------------------------------


def reminder_scanner(**kwargs: Any) -> OverdueScanner:
    return OverdueScanner(
        "reminders-overdue",
        "example-service",
        due_column=Reminder.due_on,
        marker=Reminder.overdue_emitted_at,
        where=[Reminder.done.is_(False)],
        event=lambda r: ReminderOverdue(reminder_id=r.id, due_on=r.due_on),
        **kwargs,
    )


async def test_overdue_scanner_emits_once_per_item_past_due(app) -> None:
    yesterday, now = today() - timedelta(days=1), today()
    late, done, due_today, no_date = await add_reminders(
        app,
        {"unit_id": UNITS["A"], "due_on": yesterday},
        {"unit_id": UNITS["A"], "due_on": yesterday, "done": True},
        {"unit_id": UNITS["A"], "due_on": now},
        {"unit_id": UNITS["A"], "due_on": None},
    )
    scanner = reminder_scanner(batch_size=1)
    assert sum(await asyncio.gather(*(scanner.scan_once(app.state.sessions) for _ in range(3)))) == 1
    assert await scanner.scan_once(app.state.sessions) == 0
    async with app.state.sessions() as session:
        marked = dict((await session.execute(select(Reminder.id, Reminder.overdue_emitted_at))).all())
        payloads = (await session.execute(text("SELECT payload FROM outbox"))).scalars().all()
    assert marked[late] is not None and marked[done] is None and marked[due_today] is None and marked[no_date] is None
    assert [p["type"] for p in payloads] == ["example.reminder_overdue"]
    assert payloads[0]["data"]["reminder_id"] == str(late)


async def test_overdue_scanner_with_a_state_marker(app) -> None:
    """A marker that is a state, not a time (as an officer's reported status)."""
    [item] = await add_reminders(app, {"unit_id": UNITS["A"], "kind": "open", "due_on": today() - timedelta(days=3)})

    def close(reminder: Reminder, now: datetime) -> None:
        reminder.kind = "lapsed"

    scanner = OverdueScanner(
        "reminders-lapse",
        "example-service",
        due_column=Reminder.due_on,
        marker=Reminder.kind,
        unmarked=Reminder.kind == "open",
        mark=close,
        event=lambda r: ReminderOverdue(reminder_id=r.id, due_on=r.due_on),
    )
    assert await scanner.scan_once(app.state.sessions) == 1
    assert await scanner.scan_once(app.state.sessions) == 0
    async with app.state.sessions() as session:
        assert (await session.get(Reminder, item)).kind == "lapsed"


# --- error catalogues --------------------------------------------------------------------------------

LATE = ErrorCode("example.late", 409, "已逾期", "Too late", ("REV-5",))
CATALOGUE = ErrorCatalogue(LATE, ErrorCode("example.gone", 410, "已删除", "Gone"))
errors_router = ServiceRouter()


@errors_router.post("/late", status_code=204)
async def refuse_late(session: SessionDep) -> None:
    """Always too late."""
    raise LATE("The deadline passed.", due_on="2026-01-01")


@errors_router.post("/bare", status_code=204)
async def refuse_bare(session: SessionDep) -> None:
    """A code no catalogue declares."""
    raise ProblemError(409, "example.undeclared", "Not in the catalogue.")


def test_error_code_raises_a_problem_with_its_default_basis() -> None:
    problem = LATE("The deadline passed.", due_on="2026-01-01")
    assert (problem.status, problem.code, problem.basis, problem.extensions) == (
        409,
        "example.late",
        ["REV-5"],
        {"due_on": "2026-01-01"},
    )
    assert LATE("x", basis=["REV-9"]).basis == ["REV-9"]
    assert CATALOGUE.error("example.gone", "It went.").status == 410
    assert "resource.not_found" in CATALOGUE and "request.invalid" in CATALOGUE  # the platform's, always
    assert PLATFORM.codes <= CATALOGUE.codes
    assert ErrorCatalogue.collect({"LATE": LATE, "other": 1}).codes == PLATFORM.codes | {"example.late"}
    with pytest.raises(ValueError, match="declared twice"):
        ErrorCatalogue(LATE, ErrorCode("example.late", 422, "x", "x"))


async def test_the_problem_renderer_titles_a_service_code_from_its_catalogue(database: str) -> None:
    settings = ExampleSettings(
        database_url=database, kafka_bootstrap_servers=kafka_bootstrap(), auth_jwt_secret=SECRET, run_workers=False
    )
    app = create_service_app(settings, title="Example", description="errors", routers=[errors_router], errors=CATALOGUE)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://example.test") as client:
            zh = (await client.post("/api/v1/late")).json()
            en = (await client.post("/api/v1/late", headers={"Accept-Language": "en-US,en"})).json()
            bare = (await client.post("/api/v1/bare")).json()
    assert (zh["status"], zh["code"], zh["title"], zh["basis"], zh["due_on"]) == (
        409,
        "example.late",
        "已逾期",
        ["REV-5"],
        "2026-01-01",
    )
    assert en["title"] == "Too late"
    assert bare["title"] == "example.undeclared"  # what a catalogue prevents: a bare code


def test_catalogue_check_finds_every_code_in_the_source(tmp_path: Path) -> None:
    (tmp_path / "errors.py").write_text('A = ErrorCode("x.declared", 409, "甲", "A")\n')
    (tmp_path / "service.py").write_text(
        'def f():\n    raise ProblemError(\n        422,\n        "x.raised",\n        "detail",\n    )\n'
        'RESULT = {"status": 409, "code": "x.in_a_dict", "detail": "d"}\n'
    )
    assert codes_in_source(tmp_path) == {"x.declared": {409}, "x.raised": {422}, "x.in_a_dict": {409}}
    with pytest.raises(AssertionError, match=r"x\.in_a_dict.*x\.raised"):
        assert_catalogue_covers(tmp_path, ErrorCatalogue(ErrorCode("x.declared", 409, "甲", "A")))
    complete = ErrorCatalogue(
        ErrorCode("x.declared", 409, "甲", "A"),
        ErrorCode("x.raised", 409, "乙", "B"),  # another status than raised
        ErrorCode("x.in_a_dict", 409, "丙", "C"),
    )
    with pytest.raises(AssertionError, match="another status"):
        assert_catalogue_covers(tmp_path, complete)


# --- the officer and case directory --------------------------------------------------------------------


def received(data: EventData) -> ReceivedEvent:
    return ReceivedEvent(envelope=None, data=data, record=None)  # type: ignore[arg-type]


async def test_directory_keeps_officers_and_cases_and_a_redelivery_changes_nothing(app) -> None:
    officer_id, case_id = uuid.uuid4(), uuid.uuid4()
    events = [
        OfficerRegistered(
            officer_id=officer_id,
            unit_id=UNITS["A"],
            name="张三",
            staff_type="established",
            certificate_no="C-1",
            certificate_expires_on=date(2030, 1, 1),
            qualification_status="active",
        ),
        OfficerQualificationChanged(
            officer_id=officer_id,
            unit_id=UNITS["A"],
            from_status="active",
            to_status="suspended",
            reason="REV-8",
            basis=["REV-8"],
            effective_on=date(2026, 6, 1),
        ),
        CaseFiled(
            case_id=case_id,
            case_no="城关〔2026〕1号",
            unit_id=UNITS["A"],
            category="penalty",
            lead_handler_id=officer_id,
            handler_ids=[officer_id],
            filed_on=date(2026, 3, 1),
            is_major=True,
        ),
        CaseStageChanged(case_id=case_id, unit_id=UNITS["A"], from_status="filed", to_status="investigating"),
        CaseClosed(
            case_id=case_id,
            case_no="城关〔2026〕1号",
            unit_id=UNITS["A"],
            category="penalty",
            lead_handler_id=officer_id,
            handler_ids=[officer_id],
            filed_on=date(2026, 3, 1),
            closed_on=date(2026, 5, 1),
            fine_amount=None,
            confiscation_amount=None,
            hearing_held=False,
        ),
    ]

    async def state() -> tuple:
        async with app.state.sessions() as session:
            officers = (await session.execute(select(officer_views))).all()
            cases = (await session.execute(select(case_views))).all()
            return [tuple(r) for r in officers], [tuple(r) for r in cases]

    for event in events:
        async with app.state.sessions() as session, session.begin():
            await apply_directory_event(session, received(event))
    first = await state()
    async with app.state.sessions() as session:
        officer = (await session.execute(select(officer_views))).one()._mapping
        case = (await session.execute(select(case_views))).one()._mapping
    assert (officer["name"], officer["qualification_status"], officer["certificate_no"]) == ("张三", "suspended", "C-1")
    assert (case["status"], case["closed_on"], case["is_major"], case["handler_ids"]) == (
        "closed",
        date(2026, 5, 1),
        True,
        [officer_id],
    )
    for event in events:  # applied again (a handler's own idempotency, without the inbox)
        async with app.state.sessions() as session, session.begin():
            await apply_directory_event(session, received(event))
    assert await state() == first


async def test_directory_follows_a_change_of_handlers(app) -> None:
    """case.handlers_changed (承办人员变更, CASE-3): the directory's handlers are the new ones —
    who may record an interference (INT-3) or apply for tolerance follows them; applied again,
    nothing changes."""
    old, new_lead, new_co, case_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    events = [
        CaseFiled(
            case_id=case_id,
            case_no="城关〔2026〕2号",
            unit_id=UNITS["A"],
            category="penalty",
            lead_handler_id=old,
            handler_ids=[old, new_co],
            filed_on=date(2026, 3, 1),
            is_major=False,
        ),
        CaseHandlersChanged(
            case_id=case_id,
            unit_id=UNITS["A"],
            case_no="城关〔2026〕2号",
            lead_handler_id=new_lead,
            handler_ids=[new_lead, new_co],
            changed_on=date(2026, 4, 1),
        ),
    ]
    for _ in range(2):
        for event in events[1:] if _ else events:
            async with app.state.sessions() as session, session.begin():
                await apply_directory_event(session, received(event))
        async with app.state.sessions() as session:
            case = (await session.execute(select(case_views).where(case_views.c.case_id == case_id))).one()._mapping
        assert (case["lead_handler_id"], case["handler_ids"], case["status"]) == (new_lead, [new_lead, new_co], "filed")


async def test_register_directory_runs_a_service_handler_after_the_directory_in_one_transaction(app) -> None:
    seen: list[tuple[str, Any]] = []

    async def on_closed(session, event) -> None:
        status = await session.scalar(select(case_views.c.status).where(case_views.c.case_id == event.data.case_id))
        seen.append((event.data.type, status))

    runner = ConsumerRunner(
        service="example-service", bootstrap_servers="unused:0", sessions=app.state.sessions, topics=[]
    )
    register_directory(runner, also={CaseClosed: on_closed})
    assert {model.topic for model, _ in runner.handlers.values()} <= set(DIRECTORY_TOPICS)
    case_id, lead = uuid.uuid4(), uuid.uuid4()
    closed = CaseClosed(
        case_id=case_id,
        case_no="城关〔2026〕2号",
        unit_id=UNITS["A"],
        category="license",
        lead_handler_id=lead,
        handler_ids=[lead],
        filed_on=date(2026, 3, 1),
        closed_on=date(2026, 4, 1),
        fine_amount=None,
        confiscation_amount=None,
        hearing_held=False,
    )
    _, handler = runner.handlers[CaseClosed.type]
    async with app.state.sessions() as session, session.begin():
        await handler(session, received(closed))
    assert seen == [("case.closed", "closed")]


# --- the app factory's declared background work ----------------------------------------------------------


async def test_app_factory_starts_declared_consumers_scanners_and_periodic_jobs(database: str) -> None:
    registered: list[tuple[str, Any]] = []
    ran = asyncio.Event()

    def register(runner: ConsumerRunner, settings: Any) -> None:
        registered.append((runner.group_id, settings.service_name))

    async def job(app) -> None:
        assert app.state.sessions is not None
        ran.set()

    settings = ExampleSettings(
        database_url=database, kafka_bootstrap_servers=kafka_bootstrap(), auth_jwt_secret=SECRET, run_workers=True
    )
    app = create_service_app(
        settings,
        title="Example",
        description="declared work",
        consumers=[ConsumerSpec("notes", ["enforcement.units.v1"], register, group_id="example-service.notes")],
        scanners=[lambda s: reminder_scanner(interval=3600)],
        periodic=[PeriodicJob("ping", lambda s: 3600, job)],
        directory=True,
    )
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(ran.wait(), 30)
        names = [name for name, _, _ in app.state.workers._running]
    assert registered == [("example-service.notes", "example-service")]
    for expected in ("notes", "directory", "reminders-overdue", "ping", "outbox-relay", "platform-read-models"):
        assert f"example-service-{expected}" in names, names


# --- public surfaces ----------------------------------------------------------------------------------------

PUBLIC = [
    "enforcement_common.api",
    "enforcement_common.api.errors",
    "enforcement_common.api.pagination",
    "enforcement_common.api.routing",
    "enforcement_common.api.concurrency",
    "enforcement_common.app",
    "enforcement_common.auth",
    "enforcement_common.auth.scope",
    "enforcement_common.contracts",
    "enforcement_common.directory",
    "enforcement_common.events",
    "enforcement_common.events.scanner",
    "enforcement_common.events.workers",
    "enforcement_common.testing.catalogue",
]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_packages_declare_what_they_export(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__, name
    missing = [item for item in module.__all__ if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names what it does not have: {missing}"
