"""Tolerance service (尽职免责、容错纠错): the application and its console entry point (``tolerance-service serve|migrate``)."""

from fastapi import FastAPI

from enforcement_common.app import ConsumerSpec, create_service_app
from enforcement_common.cli import service_main
from tolerance_service import errors
from tolerance_service.applications.deadlines import notification_scanner
from tolerance_service.applications.routes import router as applications_router
from tolerance_service.config import Settings
from tolerance_service.consumers import case_events
from tolerance_service.corrections.deadlines import correction_scanner
from tolerance_service.corrections.routes import router as corrections_router
from tolerance_service.grounds.routes import router as grounds_router
from tolerance_service.petitions.deadlines import feedback_scanner
from tolerance_service.petitions.routes import router as petitions_router
from tolerance_service.policy import TOLERANCE_POLICIES
from tolerance_service.risk.routes import router as risk_router


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Tolerance service (尽职免责、容错纠错)",
        description=(
            "Tolerance applications and decisions (尽职免责/容错), correction orders (纠错) and extensions, "
            "risk warnings, petitions and clarifications (澄清正名), policy versions per issuing unit."
        ),
        routers=[applications_router, corrections_router, risk_router, petitions_router, grounds_router],
        consumers=[ConsumerSpec("case-events", case_events.TOPICS, case_events.register)],
        scanners=[
            lambda s: notification_scanner(s.scan_interval_seconds),
            lambda s: correction_scanner(s.scan_interval_seconds),
            lambda s: feedback_scanner(s.scan_interval_seconds),
        ],
        errors=errors.CATALOGUE,
        policies=TOLERANCE_POLICIES,
    )


def main() -> int:
    return service_main(Settings, create_app, "tolerance_service")


if __name__ == "__main__":
    raise SystemExit(main())
