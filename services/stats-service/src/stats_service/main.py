"""Statistics service (执法统计): the application and its console entry point (``stats-service serve|migrate``)."""

from fastapi import FastAPI

from enforcement_common.app import ConsumerSpec, PeriodicJob, create_service_app
from enforcement_common.cli import service_main
from stats_service import errors
from stats_service.admin.rebuild import resume_running
from stats_service.admin.routes import router as admin_router
from stats_service.config import Settings
from stats_service.consumers import all_topics
from stats_service.policy import STATS_POLICIES
from stats_service.public.routes import router as public_router
from stats_service.reports.deadlines import ensure_annual_dues
from stats_service.reports.routes import router as reports_router
from stats_service.stats.routes import router as stats_router


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Statistics service (执法统计)",
        description=(
            "Statistics read models: counters by unit × period × category, training and certificate statistics, "
            "the public certificate-holder list, periodic reports and their submission; rebuildable from the topics."
        ),
        routers=[stats_router, reports_router, public_router, admin_router],
        consumers=[ConsumerSpec("projection", all_topics.TOPICS, all_topics.register)],
        periodic=[
            PeriodicJob("annual-reports", lambda s: s.report_scan_interval_seconds, ensure_annual_dues),
            PeriodicJob("rebuild", lambda s: s.rebuild_poll_seconds, resume_running),
        ],
        errors=errors.CATALOGUE,
        policies=STATS_POLICIES,
    )


def main() -> int:
    return service_main(Settings, create_app, "stats_service")


if __name__ == "__main__":
    raise SystemExit(main())
