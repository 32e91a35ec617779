"""The fixtures every service's tests need, declared once.

A service's ``tests/conftest.py``::

    kit = ServiceTestKit(
        create_app=create_app, settings_class=Settings, package="case_service",
        consumers=lambda runner, app: case_events.register(runner, ...),   # optional
        seed=seed_two_sibling_units,                                       # optional
    )
    globals().update(kit.fixtures())

gives the tests ``service_kit``, ``database`` (a copy of the session's migrated template),
``app_builder`` (``app_builder(database, **settings)``: an app not yet started), ``app``
(started: lifespan run, workers off), ``client`` (httpx in process), ``jwt_secret``,
``seeded_database`` and ``seeded_app``/``seeded_client`` (a copy of the seeded template)
and ``seed`` (the ids the seed returned). :func:`headers` signs a local JWT with the kit's
secret.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from enforcement_common.auth.tokens import mint_token
from enforcement_common.config import BaseServiceSettings
from enforcement_common.events import Envelope
from enforcement_common.testing.databases import database_copied_from, database_from_template, seeded_template
from enforcement_common.testing.delivery import RegisterConsumers
from enforcement_common.testing.infra import kafka_bootstrap

#: The secret every test app is configured with and :func:`headers` signs with.
TEST_JWT_SECRET = "enforcement-test-kit-secret-0123456789abcdef"


def token(
    *roles: str,
    unit: uuid.UUID | str | None = None,
    officer: uuid.UUID | str | None = None,
    sub: str | None = None,
    name: str | None = None,
    secret: str = TEST_JWT_SECRET,
) -> str:
    """A signed local JWT (HS256) with the contract's claims. ``unit`` is required except
    for ``admin``. The same roles, unit and officer are the same person (``sub``) unless
    ``sub`` says otherwise."""
    return mint_token(
        roles=list(roles),
        unit_id=str(unit) if unit else None,
        officer_id=str(officer) if officer else None,
        secret=secret,
        sub=sub or "test-" + "-".join([*roles, str(unit or "county")[:8], str(officer or "")[:8]]).rstrip("-"),
        name=name,
    )


def headers(
    *roles: str,
    unit: uuid.UUID | str | None = None,
    officer: uuid.UUID | str | None = None,
    sub: str | None = None,
    name: str | None = None,
    secret: str = TEST_JWT_SECRET,
) -> dict[str, str]:
    """``{"Authorization": "Bearer <token>"}`` for a caller with ``roles`` in ``unit``
    (and ``officer`` as its ``officer_id``), signed with the kit's secret."""
    return {"Authorization": f"Bearer {token(*roles, unit=unit, officer=officer, sub=sub, name=name, secret=secret)}"}


@dataclass
class Seeded:
    """What a service's seed built, for tests that need a populated database.

    Two sibling units (``home`` and ``sibling``) under one ``county``, each with data.
    ``ids[label][name]`` is the id of an object of that unit for a path (or query, or body)
    parameter named ``name`` (``case_id``, ``obligation_id`` …); ``pools[name]`` every id
    known for that name (both units, for schemathesis to pick from); ``officers[label]``
    an officer of the unit (for tokens' ``officer_id``); ``markers[label]`` strings only
    that unit's data contains (ids, numbers, names): a response to a caller of the other
    unit must contain none of them that the caller did not send itself."""

    county: str
    units: dict[str, str]
    ids: dict[str, dict[str, str]] = field(default_factory=dict)
    officers: dict[str, str] = field(default_factory=dict)
    markers: dict[str, set[str]] = field(default_factory=dict)
    pools: dict[str, list[str]] = field(default_factory=dict)
    #: Request bodies for operations the generic body builder cannot make valid,
    #: keyed "METHOD /path/template"; ids in them are replaced per unit by name.
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Every event the seed delivered (filled in by the kit), for replays.
    delivered: list[Envelope] = field(default_factory=list)

    def pool(self, name: str) -> list[str]:
        values = list(self.pools.get(name, ()))
        for unit_ids in self.ids.values():
            if name in unit_ids and unit_ids[name] not in values:
                values.append(unit_ids[name])
        return values


#: A seed: given the kit and a started app with its client, build the world; return what it built.
Seed = Callable[["ServiceTestKit", FastAPI, httpx.AsyncClient], Awaitable[Seeded]]


async def seed_sibling_units(kit: ServiceTestKit, app: FastAPI, client: httpx.AsyncClient) -> Seeded:
    """The smallest world: a county and two sibling townships, made known as case-service's
    ``unit.created`` events make them known (a service with no objects of its own yet)."""
    from enforcement_common.contracts.case import UnitCreated
    from enforcement_common.testing.delivery import deliver

    county = uuid.uuid4()
    await deliver(app, UnitCreated(unit_id=county, code="XC", name="某县", kind="county", parent_id=None))
    seeded = Seeded(county=str(county), units={})
    for label, code, name in (("home", "T1", "城关镇"), ("sibling", "T2", "西关镇")):
        unit = uuid.uuid4()
        await deliver(app, UnitCreated(unit_id=unit, code=code, name=name, kind="township", parent_id=county))
        seeded.units[label] = str(unit)
        seeded.ids[label] = {"unit_id": str(unit)}
        seeded.markers[label] = {str(unit), name}
    return seeded


@dataclass
class ServiceTestKit:
    """A service's test fixtures, from its ``create_app`` and ``Settings``."""

    create_app: Callable[[Any], FastAPI]
    settings_class: type[BaseServiceSettings]
    #: The service package whose migrations build its databases (``"case_service"``).
    package: str | Path
    #: Registers the service's event handlers (for :func:`deliver` and :func:`apply_without_inbox`).
    consumers: RegisterConsumers | None = None
    #: Builds the populated world of the seeded template (schemathesis, authorization matrix).
    seed: Seed | None = None
    #: Runs after an ``app`` fixture's startup (e.g. a unit every test expects).
    prepare: Callable[[FastAPI], Awaitable[None]] | None = None
    #: Worlds built once per session into a template of their own, by fixture name: a test
    #: that requests one of these fixtures gets a ``database`` copied from that template (the
    #: conftest's fixture of that name reads what the builder returned: :meth:`prebuilt_world`).
    prebuilt: dict[str, Callable[[ServiceTestKit, FastAPI, httpx.AsyncClient], Awaitable[Any]]] = field(
        default_factory=dict
    )
    settings_overrides: dict[str, Any] = field(default_factory=dict)
    secret: str = TEST_JWT_SECRET

    @property
    def service_name(self) -> str:
        return self.settings_class.service_name

    @property
    def base_url(self) -> str:
        return f"http://{self.service_name}.test"

    def settings(self, database_url: str, **overrides: Any) -> BaseServiceSettings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "kafka_bootstrap_servers": kafka_bootstrap(),
            "auth_jwt_secret": self.secret,
            "run_workers": False,
            **self.settings_overrides,
        }
        return self.settings_class(**{**values, **overrides})

    def build_app(self, database_url: str, **overrides: Any) -> FastAPI:
        """The service's app on ``database_url`` (not started); workers off unless overridden."""
        app = self.create_app(self.settings(database_url, **overrides))
        app.state.testkit = self
        app.state.testkit_consumers = self.consumers
        return app

    @asynccontextmanager
    async def started(self, database_url: str, **overrides: Any) -> AsyncIterator[FastAPI]:
        """The app with its lifespan running (engine, workers if asked)."""
        app = self.build_app(database_url, **overrides)
        async with app.router.lifespan_context(app):
            yield app

    @asynccontextmanager
    async def client_for(self, app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=self.base_url) as client:
            yield client

    def headers(self, *roles: str, **claims: Any) -> dict[str, str]:
        return headers(*roles, secret=self.secret, **claims)

    # --- the seeded template ----------------------------------------------------------

    def seeded_template(self) -> tuple[str, Seeded]:
        """The session's seeded template (built on first use) and what the seed returned. Blocking."""
        if self.seed is None:
            raise LookupError(f"{self.service_name}'s ServiceTestKit has no seed")
        seed = self.seed

        async def build(url: str) -> Seeded:
            async with self.started(url) as app, self.client_for(app) as client:
                seeded = await seed(self, app, client)
                await _platform_ids(self, app, client, seeded)
                deliveries = getattr(app.state, "testkit_deliveries", None)
                if deliveries is not None:  # in the order first delivered
                    seeded.delivered = [envelope for _, envelope in deliveries.envelopes.values()]
                return seeded

        return seeded_template(self.package, f"{self.service_name}-{seed.__qualname__}", build)

    def prebuilt_template(self, name: str) -> tuple[str, Any]:
        """The template of the prebuilt world ``name`` (built on first use) and what its builder
        returned. Blocking."""
        builder = self.prebuilt[name]

        async def build(url: str) -> Any:
            async with self.started(url) as app, self.client_for(app) as client:
                return await builder(self, app, client)

        return seeded_template(self.package, f"{self.service_name}-{name}", build)

    async def prebuilt_world(self, name: str) -> Any:
        """What the builder of the prebuilt world ``name`` returned (the same for every test)."""
        return (await asyncio.to_thread(self.prebuilt_template, name))[1]

    @asynccontextmanager
    async def seeded_database(self) -> AsyncIterator[tuple[str, Seeded]]:
        """A copy of the seeded template of its own: (asyncpg URL, what the seed returned)."""
        template, seeded = await asyncio.to_thread(self.seeded_template)
        async with database_copied_from(template) as url:
            yield url, seeded

    @contextmanager
    def serve_seeded(self) -> Iterator[tuple[str, Seeded]]:
        """A copy of the seeded template served over real HTTP (uvicorn in a thread), for
        schemathesis; (base URL, what the seed returned). For synchronous tests."""
        from enforcement_common.testing.databases import asyncpg_url, drop_later, take_copy
        from enforcement_common.testing.live import serve_in_thread

        template, seeded = self.seeded_template()
        name = take_copy(template)
        try:
            with serve_in_thread(self.build_app(asyncpg_url(name))) as base_url:
                yield base_url, seeded
        finally:
            drop_later(name)

    # --- fixtures ------------------------------------------------------------------

    def fixtures(self) -> dict[str, Any]:
        """The fixtures, to put in a conftest's namespace: ``globals().update(kit.fixtures())``."""
        kit = self

        @pytest.fixture
        def service_kit() -> ServiceTestKit:
            return kit

        @pytest.fixture
        async def database(request: pytest.FixtureRequest) -> AsyncIterator[str]:
            """A database of this test's own at the migrations' head (asyncpg URL) — with the
            prebuilt world in it when the test asks for one (``ServiceTestKit.prebuilt``)."""
            worlds = [name for name in kit.prebuilt if name in request.fixturenames]
            if len(worlds) > 1:
                raise LookupError(f"a test can have one prebuilt world, not {worlds}")
            if worlds:
                template, _ = await asyncio.to_thread(kit.prebuilt_template, worlds[0])
                async with database_copied_from(template) as url:
                    yield url
            else:
                async with database_from_template(kit.package) as url:
                    yield url

        @pytest.fixture
        def app_builder() -> Callable[..., FastAPI]:
            """``app_builder(database, **settings)``: the app, not started."""
            return kit.build_app

        @pytest.fixture
        async def app(database: str) -> AsyncIterator[FastAPI]:
            async with kit.started(database) as application:
                if kit.prepare is not None:
                    await kit.prepare(application)
                yield application

        @pytest.fixture
        async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
            async with kit.client_for(app) as http:
                yield http

        @pytest.fixture
        def jwt_secret() -> str:
            return kit.secret

        @pytest.fixture
        async def seeded_database() -> AsyncIterator[tuple[str, Seeded]]:
            """A copy of the seeded template: (asyncpg URL, what the seed returned)."""
            async with kit.seeded_database() as pair:
                yield pair

        @pytest.fixture
        def seed(seeded_database: tuple[str, Seeded]) -> Seeded:
            return seeded_database[1]

        @pytest.fixture
        async def seeded_app(seeded_database: tuple[str, Seeded]) -> AsyncIterator[FastAPI]:
            async with kit.started(seeded_database[0]) as application:
                yield application

        @pytest.fixture
        async def seeded_client(seeded_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
            async with kit.client_for(seeded_app) as http:
                yield http

        return {
            "service_kit": service_kit,
            "database": database,
            "app_builder": app_builder,
            "app": app,
            "client": client,
            "jwt_secret": jwt_secret,
            "seeded_database": seeded_database,
            "seed": seed,
            "seeded_app": seeded_app,
            "seeded_client": seeded_client,
        }


async def _platform_ids(kit: ServiceTestKit, app: FastAPI, client: httpx.AsyncClient, seeded: Seeded) -> None:
    """Ids of what is the same for every unit (the platform's policy versions, the holiday
    calendar's years), under both units' labels: those routes are service-wide by design
    (``testing.authz.SERVICE_WIDE_BY_DESIGN``)."""
    paths = set(app.openapi()["paths"])
    shared: dict[str, str] = {}
    if "/api/v1/policies/{policy_id}" in paths:
        platform = await client.get("/api/v1/policies", params={"platform": "true"}, headers=kit.headers("admin"))
        shared["policy_id"] = platform.json()["items"][0]["id"]
    if "/api/v1/calendar/{year}" in paths:
        shared["year"] = "2025"
    for label in seeded.ids or {"home": {}, "sibling": {}}:
        seeded.ids.setdefault(label, {}).update({k: v for k, v in shared.items() if k not in seeded.ids[label]})
