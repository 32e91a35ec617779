"""Fixtures of review-service's integration tests: a migrated scratch database, the app
in process, and a way to deliver case-service's events as Kafka would (twice, if asked)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from enforcement_common.auth.scope import apply_unit_event
from enforcement_common.auth.tokens import mint_token
from enforcement_common.contracts.case import CaseClosed, CaseLegalRemedyRecorded, UnitCreated
from enforcement_common.events import ReceivedEvent, build_envelope
from enforcement_common.events.consumer import ConsumerRunner
from enforcement_common.testing.infra import kafka_bootstrap, migrated_scratch_database
from review_service.config import Settings
from review_service.consumers import case_events
from review_service.main import create_app

SECRET = "review-service-test-secret-0123456789abcd"
UNIT = uuid.UUID("6f1a7d52-0000-4000-8000-000000000001")


@pytest.fixture
async def database() -> AsyncIterator[str]:
    async with migrated_scratch_database("review_service") as url:
        yield url


def build(database: str, **overrides: Any):
    values = {
        "database_url": database,
        "kafka_bootstrap_servers": kafka_bootstrap(),
        "auth_jwt_secret": SECRET,
        "run_workers": False,
    }
    return create_app(Settings(**{**values, **overrides}))


@pytest.fixture
async def app(database: str):
    application = build(database)
    async with application.router.lifespan_context(application):
        # The unit of these tests, as case-service's unit.created would have made it known.
        async with application.state.sessions() as session, session.begin():
            data = UnitCreated(unit_id=UNIT, code="TEST", name="测试单位", kind="county", parent_id=None)
            await apply_unit_event(session, ReceivedEvent(envelope=None, data=data, record=None))  # type: ignore[arg-type]
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://review.test") as client:
        yield client


def auth(*roles: str, unit: uuid.UUID | None = UNIT, officer: uuid.UUID | None = None) -> dict[str, str]:
    token = mint_token(
        roles=list(roles),
        unit_id=str(unit) if unit else None,
        secret=SECRET,
        name="测试",
        officer_id=str(officer) if officer else None,
    )
    return {"Authorization": f"Bearer {token}"}


class Deliver:
    """Hands events to review-service's registered handlers through the real inbox path
    (the ConsumerRunner's own transaction), as the Kafka consumer does."""

    def __init__(self, app) -> None:
        self.runner = ConsumerRunner(
            service="review-service", bootstrap_servers="unused:0", sessions=app.state.sessions, topics=[]
        )
        case_events.register(self.runner, app.state.settings)
        # The same data object is the same event (same id). The object is kept with its
        # envelope, so its id() cannot be reused by another object while the test runs.
        self._envelopes: dict[int, tuple[object, object]] = {}

    async def __call__(self, data, times: int = 1):
        if id(data) not in self._envelopes:
            self._envelopes[id(data)] = (data, build_envelope(data, source="case-service"))
        envelope = self._envelopes[id(data)][1]
        model, handler = self.runner.handlers[data.type]
        event = ReceivedEvent(envelope=envelope, data=model.model_validate(envelope.data), record=_Record())
        return [await self.runner._apply(event, handler) for _ in range(times)]


class _Record:
    topic, partition, offset = "enforcement.cases.v1", 0, 0


@pytest.fixture
def deliver(app) -> Deliver:
    return Deliver(app)


def closed_case(
    lead: uuid.UUID, closed_on: date, case_id: uuid.UUID | None = None, unit: uuid.UUID = UNIT
) -> CaseClosed:
    return CaseClosed(
        case_id=case_id or uuid.uuid4(),
        case_no=f"城关〔{closed_on.year}〕{uuid.uuid4().int % 1000}号",
        unit_id=unit,
        category="penalty",
        lead_handler_id=lead,
        handler_ids=[lead, uuid.uuid4()],
        filed_on=date(closed_on.year, 1, 2),
        closed_on=closed_on,
        fine_amount="500.00",
        confiscation_amount=None,
        hearing_held=False,
    )


def remedy(case: CaseClosed, kind: str) -> CaseLegalRemedyRecorded:
    return CaseLegalRemedyRecorded(
        case_id=case.case_id,
        unit_id=case.unit_id,
        remedy_id=uuid.uuid4(),
        kind=kind,
        status="pending",
        result=None,
        filed_on=case.closed_on,
        concluded_on=None,
        lead_handler_id=case.lead_handler_id,
        handler_ids=case.handler_ids,
        category=case.category,
    )


@pytest.fixture
def helpers():
    class H:
        unit = UNIT
        closed = staticmethod(closed_case)
        remedy_for = staticmethod(remedy)
        headers = staticmethod(auth)

    return H
