"""Review service (案卷评查): the application and its console entry point (``review-service serve|migrate``)."""

from fastapi import FastAPI

from enforcement_common.app import ConsumerSpec, PeriodicJob, create_service_app
from enforcement_common.cli import service_main
from review_service import errors
from review_service.assessments.routes import router as assessments_router
from review_service.compliance.routes import router as compliance_router
from review_service.config import Settings
from review_service.consumers import case_events
from review_service.exemplary.routes import router as exemplary_router
from review_service.inspections.routes import router as inspections_router
from review_service.obligations.deadlines import overdue_scanner
from review_service.obligations.routes import router as obligations_router
from review_service.policy import REVIEW_POLICIES
from review_service.reviews.routes import router as reviews_router
from review_service.summaries.deadlines import ensure_summary_rows, summary_overdue_scanner
from review_service.summaries.routes import router as summaries_router


async def _summaries_owed_then_overdue(app: FastAPI) -> None:
    """REV-9: the summaries every unit owes, then one review.summary_overdue for each late one."""
    settings: Settings = app.state.settings
    async with app.state.sessions() as session, session.begin():  # the job owns the transaction
        await ensure_summary_rows(session, settings.summaries_since_year)
    await summary_overdue_scanner(settings.obligation_scan_interval_seconds).scan_once(app.state.sessions)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Review service (案卷评查)",
        description=(
            "Self-review obligations (30-day), reviews and grades, sign-offs and notices, annual per-officer "
            "assessments, half-year summaries, compliance, hierarchical inspections with reproducible random "
            "draws, exemplary files."
        ),
        routers=[
            obligations_router,
            reviews_router,
            assessments_router,
            summaries_router,
            compliance_router,
            inspections_router,
            exemplary_router,
        ],
        consumers=[ConsumerSpec("case-events", case_events.TOPICS, case_events.register)],
        scanners=[lambda s: overdue_scanner(s.obligation_scan_interval_seconds)],
        periodic=[PeriodicJob("summaries", lambda s: s.obligation_scan_interval_seconds, _summaries_owed_then_overdue)],
        errors=errors.CATALOGUE,
        policies=REVIEW_POLICIES,
    )


def main() -> int:
    return service_main(Settings, create_app, "review_service")


if __name__ == "__main__":
    raise SystemExit(main())
