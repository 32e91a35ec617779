"""Accountability service (错案问责、干预插手记录): the application and its console entry point (``accountability-service serve|migrate``)."""

from fastapi import FastAPI

from accountability_service.config import Settings
from enforcement_common.app import create_service_app
from enforcement_common.cli import service_main


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Accountability service (错案问责、干预插手记录)",
        description="Error cases (错案) from seven sources, investigations, determinations, sanctions and appeals; interference records (干预插手) in a hash chain, their classification, reports and non-recording findings.",
    )


def main() -> int:
    return service_main(Settings, create_app, "accountability_service")


if __name__ == "__main__":
    raise SystemExit(main())
