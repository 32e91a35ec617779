"""Accountability service (错案问责、干预插手记录): the application and its console entry point (``accountability-service serve|migrate``)."""

from fastapi import FastAPI

from accountability_service import errors
from accountability_service.config import Settings
from accountability_service.consumers import case_events
from accountability_service.error_cases.deadlines import transfer_overdue_scanner
from accountability_service.error_cases.routes import router as error_cases_router
from accountability_service.interference.chain import Signer
from accountability_service.interference.routes import router as interference_router
from accountability_service.interference.service import checkpoint_if_none_today
from accountability_service.nonrecording.routes import router as nonrecording_router
from accountability_service.policy import ACCOUNTABILITY_POLICIES
from accountability_service.reports.deadlines import ensure_report_rows, report_overdue_scanner
from accountability_service.reports.routes import router as reports_router
from enforcement_common.app import ConsumerSpec, PeriodicJob, create_service_app
from enforcement_common.cli import service_main


async def _daily_checkpoint(app: FastAPI) -> None:
    """A signed checkpoint of the interference register at least daily (this job owns the transaction)."""
    async with app.state.sessions() as session, session.begin():
        await checkpoint_if_none_today(session, app.state.checkpoint_signer)


async def _reports_owed_then_overdue(app: FastAPI) -> None:
    """The quarterly reports every unit owes, then one overdue event for each late one."""
    settings: Settings = app.state.settings
    async with app.state.sessions() as session, session.begin():  # the job owns the transaction
        await ensure_report_rows(session, settings.reports_since_year)
    await report_overdue_scanner(settings.scan_interval_seconds).scan_once(app.state.sessions)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        settings,
        title="Accountability service (错案问责、干预插手记录)",
        description=(
            "Error cases (错案) from seven sources, investigations, determinations, sanctions and appeals; "
            "interference records (干预插手) in a hash chain with signed checkpoints, their classification, "
            "reports and non-recording findings."
        ),
        routers=[error_cases_router, interference_router, reports_router, nonrecording_router],
        consumers=[ConsumerSpec("case-events", case_events.TOPICS, case_events.register)],
        scanners=[lambda s: transfer_overdue_scanner(s.scan_interval_seconds)],
        periodic=[
            PeriodicJob("checkpoints", lambda s: s.scan_interval_seconds, _daily_checkpoint),
            PeriodicJob("interference-reports", lambda s: s.scan_interval_seconds, _reports_owed_then_overdue),
        ],
        errors=errors.CATALOGUE,
        policies=ACCOUNTABILITY_POLICIES,
    )
    app.state.checkpoint_signer = Signer.from_hex(settings.checkpoint_signing_key.get_secret_value())
    # INT-9: the audit log does not name who wrote to the register (the recorder is in the record,
    # readable by legal_affairs and discipline only).
    app.state.audit_actor_withheld = ("/api/v1/interference-records",)
    return app


def main() -> int:
    return service_main(Settings, create_app, "accountability_service")


if __name__ == "__main__":
    raise SystemExit(main())
