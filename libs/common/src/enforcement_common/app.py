"""The FastAPI application every service is built on.

:func:`create_service_app` wires what all services share — settings, the database
engine (created in the lifespan, never at import), problem errors, correlation ids,
access logs, request metrics and the ops endpoints — and mounts the service's own
routers under ``/api/v1``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from enforcement_common.api.problems import UnexpectedErrorMiddleware, install_problem_handlers
from enforcement_common.config import BaseServiceSettings
from enforcement_common.db import create_engine, session_factory
from enforcement_common.events.relay import OutboxRelay
from enforcement_common.events.workers import BackgroundWorkers
from enforcement_common.health import health_router
from enforcement_common.observability import HttpMetrics, RequestContextMiddleware

API_PREFIX = "/api/v1"

LifespanHook = Callable[[FastAPI], Awaitable[None]]


def create_service_app(
    settings: BaseServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    on_startup: Sequence[LifespanHook] = (),
    on_shutdown: Sequence[LifespanHook] = (),
    version: str = "0.1.0",
) -> FastAPI:
    service = settings.service_name

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(settings.database_url, application_name=service)
        app.state.sessions = session_factory(app.state.engine)
        app.state.workers = BackgroundWorkers()
        try:
            if settings.run_workers:
                relay = OutboxRelay(
                    app.state.engine,
                    settings.kafka_bootstrap_servers,
                    service=service,
                    registry=app.state.metrics.registry,
                )
                app.state.workers.start(f"{service}-outbox-relay", relay.run(), relay.stop)
            for hook in on_startup:  # services add their consumers and scanners to app.state.workers here
                await hook(app)
            yield
        finally:
            await app.state.workers.stop_all()
            for hook in reversed(on_shutdown):
                await hook(app)
            await app.state.engine.dispose()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = HttpMetrics(service)
    install_problem_handlers(app)
    # Added first = innermost: unexpected errors are rendered while the correlation id is still set.
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics, api_prefix=API_PREFIX)
    app.include_router(health_router(service))
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    return app
