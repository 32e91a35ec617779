"""Case service (执法案件与人员): the application and its console entry point (``case-service serve|migrate``)."""

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.calendar.routes import router as calendar_router
from case_service.cases.deadlines import count_awaited_days, count_awaited_in, scanner
from case_service.cases.imports import CaseImportItem
from case_service.cases.routes import router as cases_router
from case_service.config import Settings
from case_service.consumers import sanctions
from case_service.officers.expiry import scanner as certificate_expiry_scanner
from case_service.officers.routes import router as officers_router
from case_service.trainings.routes import router as trainings_router
from case_service.units.routes import router as units_router
from enforcement_common.app import create_service_app
from enforcement_common.calendar import PublishedYear
from enforcement_common.cli import service_main
from enforcement_common.events import ConsumerRunner
from enforcement_common.events.workers import Periodic


async def start_workers(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    if not settings.run_workers:
        return
    runner = ConsumerRunner(
        service=settings.service_name,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        sessions=app.state.sessions,
        topics=sanctions.TOPICS,
        registry=app.state.metrics.registry,
    )
    sanctions.register(runner)
    app.state.workers.start("case-service-sanctions", runner.run(), runner.stop)
    deadlines = scanner(settings.deadline_scan_interval_seconds)
    app.state.workers.start("case-service-deadlines", deadlines.run(app.state.sessions), deadlines.stop)
    expiry = certificate_expiry_scanner(settings.deadline_scan_interval_seconds)
    app.state.workers.start("case-service-certificate-expiry", expiry.run(app.state.sessions), expiry.stop)
    # Last days that waited for a holiday calendar: counted once a calendar update covers them.
    awaited = Periodic("case-deadline-days", 3600, lambda: count_awaited_days(app.state.sessions, settings))
    app.state.workers.start("case-service-deadline-days", awaited.run(), awaited.stop)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def count_deadlines_that_awaited_the_calendar(session: AsyncSession, _year: PublishedYear) -> None:
        await count_awaited_in(session, settings)

    return create_service_app(
        settings,
        title="Case service (执法案件与人员)",
        description=(
            "Source of truth for units (执法单位), officers and certificates (执法人员/执法证), "
            "trainings (培训) and enforcement cases (案件) with their stages, handlers, decisions, "
            "legal remedies and statutory deadlines."
        ),
        routers=[units_router, officers_router, trainings_router, cases_router, calendar_router],
        on_startup=[start_workers],
        calendar_hooks=[count_deadlines_that_awaited_the_calendar],
        openapi_models=[CaseImportItem],
    )


def main() -> int:
    return service_main(Settings, create_app, "case_service")


if __name__ == "__main__":
    raise SystemExit(main())
