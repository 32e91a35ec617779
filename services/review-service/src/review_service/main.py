"""Review service (案卷评查): the application and its console entry point (``review-service serve|migrate``)."""

from pathlib import Path

from fastapi import FastAPI

from enforcement_common.app import create_service_app
from enforcement_common.cli import service_main
from review_service.config import Settings

#: The service's folder: alembic.ini and migrations/ live there.
SERVICE_ROOT = Path(__file__).resolve().parents[2]


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Review service (案卷评查)",
        description="Self-review obligations (30-day), reviews and grades, sign-offs and notices, annual per-officer assessments, half-year summaries, hierarchical inspections with reproducible random draws, exemplary files.",
    )


def main() -> int:
    return service_main(Settings, create_app, SERVICE_ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
