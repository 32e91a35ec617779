"""The FastAPI application every service is built on.

:func:`create_service_app` wires what all services share — settings, the database
engine (created in the lifespan, never at import), problem errors, correlation ids,
access logs, request metrics and the ops endpoints — and mounts the service's own
routers under ``/api/v1``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from enforcement_common.api.errors import ErrorCatalogue
from enforcement_common.api.guards import RequestGuardMiddleware
from enforcement_common.api.idempotency import IdempotencyMiddleware, purge_expired
from enforcement_common.api.problems import UnexpectedErrorMiddleware, install_problem_handlers
from enforcement_common.api.transaction import TransactionalRoute
from enforcement_common.audit import AuditMiddleware, AuditWriter, audit_router
from enforcement_common.auth.jwt import TokenVerifier
from enforcement_common.auth.scope import register_unit_tree
from enforcement_common.calendar import PublishedCalendar, stop_using_calendar, use_calendar
from enforcement_common.config import BaseServiceSettings
from enforcement_common.contracts.case import CALENDAR, UNITS
from enforcement_common.db import create_engine, session_factory
from enforcement_common.docs import mount_docs
from enforcement_common.events.consumer import ConsumerRunner
from enforcement_common.events.relay import OutboxRelay
from enforcement_common.events.scanner import DeadlineScanner
from enforcement_common.events.workers import BackgroundWorkers, ConsumerSpec, Periodic, PeriodicJob
from enforcement_common.health import health_router
from enforcement_common.holidays import CalendarHook, load_published_years, register_calendar
from enforcement_common.observability import HttpMetrics, RequestContextMiddleware, quiet_library_logs
from enforcement_common.policies import PolicyCatalogue, policy_router, store_defaults

log = structlog.get_logger(__name__)

__all__ = ["API_PREFIX", "ConsumerSpec", "PeriodicJob", "create_service_app"]

API_PREFIX = "/api/v1"

LifespanHook = Callable[[FastAPI], Awaitable[None]]
#: A deadline scanner a service declares: built from the settings (its interval, typically).
ScannerFactory = Callable[[BaseServiceSettings], DeadlineScanner]


def create_service_app(
    settings: BaseServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    consumers: Sequence[ConsumerSpec] = (),
    scanners: Sequence[ScannerFactory] = (),
    periodic: Sequence[PeriodicJob] = (),
    directory: bool = False,
    errors: ErrorCatalogue | None = None,
    on_startup: Sequence[LifespanHook] = (),
    on_shutdown: Sequence[LifespanHook] = (),
    version: str = "0.1.0",
    openapi_models: Sequence[type] = (),
    policies: PolicyCatalogue | None = None,
    calendar_hooks: Sequence[CalendarHook] = (),
) -> FastAPI:
    """The service's FastAPI app.

    A service declares its background work and the factory runs it for the app's lifetime
    (when ``settings.run_workers``), beside what every service has (the outbox relay, the
    unit tree, the idempotency purge):

    * ``consumers``: :class:`ConsumerSpec` — a consumer runner per entry, its handlers
      registered by the spec;
    * ``scanners``: functions of the settings returning a
      :class:`~enforcement_common.events.scanner.DeadlineScanner` (e.g. an ``OverdueScanner``);
    * ``periodic``: :class:`PeriodicJob` — ``run(app)`` every interval;
    * ``directory``: keep the officer and case directory (``enforcement_common.directory``)
      current with its own consumer group — for a service that does not register it
      in one of its own consumers;
    * ``errors``: the service's :class:`~enforcement_common.api.errors.ErrorCatalogue`,
      whose titles the problem renderer then uses;
    * ``policies``: the service's :class:`~enforcement_common.policies.PolicyCatalogue` —
      its platform defaults are stored at start-up and ``GET/POST /policies`` mounted;
    * ``calendar_hooks``: run when a year's holiday calendar is published (every service
      applies ``calendar.year_published`` to its own table and arithmetic).
    """
    service = settings.service_name
    quiet_library_logs()  # aiokafka's reconnect messages throttled, in-process apps too

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(settings.database_url, application_name=service)
        app.state.sessions = session_factory(app.state.engine)
        app.state.audit_writer = AuditWriter(app.state.engine)
        app.state.workers = BackgroundWorkers()
        # Consumers and scanners started below count working days by this app's own years
        # (requests: api.transaction). Reset before serving: the lifespan's caller keeps its own.
        calendar_token = use_calendar(app.state.calendar)

        async def platform_data() -> None:
            """The platform defaults of the service's policies stored, its published years loaded."""
            if policies is not None:
                async with app.state.sessions() as session, session.begin():
                    await store_defaults(session, policies)
            await load_published_years(app.state.sessions, app.state.calendar)

        try:
            try:
                await platform_data()
            except (DBAPIError, OSError) as exc:  # the database is down: /readyz says so; retried below
                log.warning("platform_data_deferred", error=repr(exc))
            if settings.run_workers:
                relay = OutboxRelay(
                    app.state.engine,
                    settings.kafka_bootstrap_servers,
                    service=service,
                    registry=app.state.metrics.registry,
                )
                app.state.workers.start(f"{service}-outbox-relay", relay.run(), relay.stop)
                # The platform's read models, from case-service's events: the unit tree behind
                # unit scope (unit.*) and the published holiday calendar (calendar.year_published).
                platform = ConsumerRunner(
                    service=service,
                    group_id=f"{service}.platform",
                    bootstrap_servers=settings.kafka_bootstrap_servers,
                    sessions=app.state.sessions,
                    topics=[UNITS, CALENDAR],
                    registry=app.state.metrics.registry,
                )
                register_unit_tree(platform)
                register_calendar(platform, tuple(calendar_hooks))
                app.state.workers.start(f"{service}-platform-read-models", platform.run(), platform.stop)
                # Each event reaches one replica of the service: the others read the table (and a
                # start-up without the database gets its policies and calendar here).
                refresh = Periodic("platform-data", 60, platform_data)
                app.state.workers.start(f"{service}-platform-data", refresh.run(), refresh.stop)
                purger = Periodic("idempotency-purge", 3600, lambda: purge_expired(app.state.engine))
                app.state.workers.start(f"{service}-idempotency-purge", purger.run(), purger.stop)
                _start_declared(app, settings, consumers, scanners, periodic, directory)
            for hook in on_startup:
                await hook(app)
            stop_using_calendar(calendar_token)
            yield
        finally:
            await app.state.workers.stop_all()
            for hook in reversed(on_shutdown):
                await hook(app)
            await app.state.engine.dispose()

    # docs_url/redoc_url off: FastAPI's pages load from a CDN; mount_docs serves packaged copies.
    app = FastAPI(
        title=title, description=description, version=version, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.calendar = PublishedCalendar()
    app.state.openapi_models = tuple(openapi_models)
    app.state.metrics = HttpMetrics(service)
    app.state.token_verifier = TokenVerifier(
        secret=settings.auth_jwt_secret.get_secret_value(),
        jwks_url=settings.auth_jwks_url or None,
        issuer=settings.auth_jwt_issuer or None,
        audience=settings.auth_jwt_audience or None,
    )
    app.state.error_catalogue = errors
    install_problem_handlers(app)
    # Middleware added first runs innermost. From the outside in: CORS, correlation id
    # and metrics, gzip, audit (sees every mutating request — refused by the guards too —
    # unless the route's transaction recorded it), body guards, idempotency, and the
    # catch-all for unexpected errors (rendered while the correlation id is still set,
    # and seen by audit and idempotency as a 500).
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(IdempotencyMiddleware, ttl=timedelta(hours=settings.idempotency_ttl_hours))
    app.add_middleware(RequestGuardMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics, api_prefix=API_PREFIX)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "Idempotency-Key",
            "If-Match",
            "X-Correlation-ID",
            "Accept-Language",
        ],
        expose_headers=["ETag", "Idempotent-Replayed", "X-Correlation-ID", "Location", "Retry-After"],
        max_age=600,
    )
    mount_docs(app)  # /docs and /redoc from packaged Swagger UI and ReDoc (enforcement_common.docs)
    app.include_router(health_router(service))
    app.include_router(audit_router(), prefix=API_PREFIX)
    if policies is not None:
        routers = [policy_router(policies), *routers]
    for router in routers:
        _check_transactional(router)
        app.include_router(router, prefix=API_PREFIX)
    return app


def _start_declared(
    app: FastAPI,
    settings: BaseServiceSettings,
    consumers: Sequence[ConsumerSpec],
    scanners: Sequence[ScannerFactory],
    periodic: Sequence[PeriodicJob],
    directory: bool,
) -> None:
    service = settings.service_name
    if directory:
        from enforcement_common.directory import DIRECTORY_TOPICS, register_directory

        consumers = [
            ConsumerSpec(
                "directory",
                DIRECTORY_TOPICS,
                lambda runner, _settings: register_directory(runner),
                group_id=f"{service}.directory",
            ),
            *consumers,
        ]
    for consumer in consumers:
        runner = ConsumerRunner(
            service=service,
            group_id=consumer.group_id,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            sessions=app.state.sessions,
            topics=list(consumer.topics),
            registry=app.state.metrics.registry,
        )
        consumer.register(runner, settings)
        app.state.workers.start(f"{service}-{consumer.name}", runner.run(), runner.stop)
    for build in scanners:
        scanner = build(settings)
        app.state.workers.start(f"{service}-{scanner.name}", scanner.run(app.state.sessions), scanner.stop)
    for job in periodic:
        runner_job = Periodic(f"{service}-{job.name}", job.interval_for(settings), lambda job=job: job.run(app))
        app.state.workers.start(f"{service}-{job.name}", runner_job.run(), runner_job.stop)


def _check_transactional(router: APIRouter) -> None:
    """Every service route owns its transaction (``api.transaction``): a route of a plain
    APIRouter would commit outside it, unaudited and without its idempotent response."""
    for route in router.routes:
        if isinstance(route, APIRoute) and not isinstance(route, TransactionalRoute):
            raise TypeError(
                f"route {route.path} is a {type(route).__name__}: create service routers with "
                "enforcement_common.api.transaction.ServiceRouter"
            )
