"""Case service (执法案件与人员): the application and its console entry point (``case-service serve|migrate``)."""

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import errors
from case_service.calendar.routes import router as calendar_router
from case_service.cases import deadlines as case_deadlines
from case_service.cases.imports import CaseImportItem
from case_service.cases.routes import router as cases_router
from case_service.config import Settings
from case_service.consumers import sanctions
from case_service.officers import deadlines as certificate_deadlines
from case_service.officers.routes import router as officers_router
from case_service.policy import CASE_POLICIES
from case_service.trainings.routes import router as trainings_router
from case_service.units.routes import router as units_router
from enforcement_common.app import ConsumerSpec, PeriodicJob, create_service_app
from enforcement_common.calendar import PublishedYear
from enforcement_common.cli import service_main


async def _count_awaited_days(app: FastAPI) -> None:
    await case_deadlines.count_awaited_days(app.state.sessions)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def count_deadlines_that_awaited_the_calendar(session: AsyncSession, _year: PublishedYear) -> None:
        await case_deadlines.count_awaited_in(session)

    return create_service_app(
        settings,
        title="Case service (执法案件与人员)",
        description=(
            "Source of truth for units (执法单位), officers and certificates (执法人员/执法证), "
            "trainings (培训) and enforcement cases (案件) with their stages, handlers, decisions, "
            "legal remedies and statutory deadlines."
        ),
        routers=[units_router, officers_router, trainings_router, cases_router, calendar_router],
        calendar_hooks=[count_deadlines_that_awaited_the_calendar],
        consumers=[ConsumerSpec("sanctions", sanctions.TOPICS, sanctions.register)],
        scanners=[
            lambda s: case_deadlines.scanner(s.deadline_scan_interval_seconds),
            lambda s: certificate_deadlines.scanner(s.deadline_scan_interval_seconds),
            lambda s: certificate_deadlines.issuance_scanner(s.deadline_scan_interval_seconds),
        ],
        # Last days that waited for a holiday calendar: counted once a calendar update covers them.
        periodic=[PeriodicJob("deadline-days", 3600, _count_awaited_days)],
        errors=errors.CATALOGUE,
        policies=CASE_POLICIES,
        openapi_models=[CaseImportItem],
    )


def main() -> int:
    return service_main(Settings, create_app, "case_service")


if __name__ == "__main__":
    raise SystemExit(main())
