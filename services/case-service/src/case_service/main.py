"""Case service (执法案件与人员): the application and its console entry point (``case-service serve|migrate``)."""

from pathlib import Path

from fastapi import FastAPI

from case_service.config import Settings
from enforcement_common.app import create_service_app
from enforcement_common.cli import service_main

#: The service's folder: alembic.ini and migrations/ live there.
SERVICE_ROOT = Path(__file__).resolve().parents[2]


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Case service (执法案件与人员)",
        description="Source of truth for units (执法单位), officers and certificates (执法人员/执法证), trainings (培训) and enforcement cases (案件) with their stages, handlers, decisions, legal remedies and statutory deadlines.",
    )


def main() -> int:
    return service_main(Settings, create_app, SERVICE_ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
