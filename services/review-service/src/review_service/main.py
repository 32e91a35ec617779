"""Review service (案卷评查): the application and its console entry point (``review-service serve|migrate``)."""

from fastapi import FastAPI

from enforcement_common.app import create_service_app
from enforcement_common.cli import service_main
from enforcement_common.events import ConsumerRunner
from enforcement_common.events.workers import Periodic
from review_service.config import Settings
from review_service.consumers import case_events
from review_service.obligations.routes import overdue_scanner
from review_service.obligations.routes import router as obligations_router
from review_service.oversight import ensure_summary_rows, summary_overdue_scanner
from review_service.oversight import router as oversight_router
from review_service.reviews.routes import router as reviews_router


async def start_workers(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    if not settings.run_workers:
        return
    runner = ConsumerRunner(
        service=settings.service_name,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        sessions=app.state.sessions,
        topics=case_events.TOPICS,
        registry=app.state.metrics.registry,
    )
    case_events.register(runner, above_ten=settings.above_ten_lead_cases)
    app.state.workers.start("review-service-case-events", runner.run(), runner.stop)
    scanner = overdue_scanner(settings.obligation_scan_interval_seconds)
    app.state.workers.start("review-service-obligations-overdue", scanner.run(app.state.sessions), scanner.stop)
    summaries = summary_overdue_scanner(settings.obligation_scan_interval_seconds)

    async def owed_then_overdue() -> None:
        async with app.state.sessions() as session:
            await ensure_summary_rows(session, settings.summary_due_days, settings.summaries_since_year)
        await summaries.scan_once(app.state.sessions)

    job = Periodic("review-service-summaries", settings.obligation_scan_interval_seconds, owed_then_overdue)
    app.state.workers.start("review-service-summaries", job.run(), job.stop)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Review service (案卷评查)",
        description=(
            "Self-review obligations (30-day), reviews and grades, sign-offs and notices, annual per-officer "
            "assessments, half-year summaries, compliance, hierarchical inspections with reproducible random "
            "draws, exemplary files."
        ),
        routers=[obligations_router, reviews_router, oversight_router],
        on_startup=[start_workers],
    )


def main() -> int:
    return service_main(Settings, create_app, "review_service")


if __name__ == "__main__":
    raise SystemExit(main())
