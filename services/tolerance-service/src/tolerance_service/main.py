"""Tolerance service (尽职免责、容错纠错): the application and its console entry point (``tolerance-service serve|migrate``)."""

from fastapi import FastAPI

from enforcement_common.app import create_service_app
from enforcement_common.cli import service_main
from tolerance_service.config import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Tolerance service (尽职免责、容错纠错)",
        description="Tolerance applications and decisions (尽职免责/容错), correction orders (纠错) and extensions, risk warnings, petitions and clarifications (澄清正名), policy versions per issuing unit.",
    )


def main() -> int:
    return service_main(Settings, create_app, "tolerance_service")


if __name__ == "__main__":
    raise SystemExit(main())
