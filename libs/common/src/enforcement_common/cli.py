"""The console entry point every service exposes: ``<service> serve|migrate``."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from enforcement_common.config import BaseServiceSettings
from enforcement_common.migrations import upgrade
from enforcement_common.observability import configure_logging


def command_line(settings_class: type[BaseServiceSettings]) -> argparse.ArgumentParser:
    """The parser of ``<service> serve|migrate`` (the deploy manifests' commands are checked against it)."""
    name = settings_class.service_name
    parser = argparse.ArgumentParser(prog=name, description=f"Run or migrate {name}.")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve the HTTP API (default)")
    serve.add_argument("--host", help="bind address (default from settings: 127.0.0.1)")
    serve.add_argument("--port", type=int, help=f"port (default from settings: {settings_class.default_port})")
    serve.add_argument("--migrate", action="store_true", help="apply migrations before serving")
    sub.add_parser("migrate", help="apply database migrations (alembic upgrade head)")
    return parser


def service_main(
    settings_class: type[BaseServiceSettings],
    create_app: Callable[[BaseServiceSettings], FastAPI],
    package: str,
    argv: list[str] | None = None,
) -> int:
    """``package`` is the service's import name (``"case_service"``): its ``alembic.ini`` and
    ``migrations/`` ship inside it (see :mod:`enforcement_common.migrations`)."""
    args = command_line(settings_class).parse_args(argv)
    name = settings_class.service_name
    settings = settings_class()
    configure_logging(name, settings.log_level)
    if args.command == "migrate" or getattr(args, "migrate", False):
        upgrade(package, settings.database_url)
        if args.command == "migrate":
            return 0
    app = create_app(settings)
    uvicorn.run(
        app,
        host=getattr(args, "host", None) or settings.host,
        port=getattr(args, "port", None) or settings.port,
        log_config=None,  # our JSON logging, not uvicorn's
        access_log=False,  # RequestContextMiddleware writes the access log
        timeout_graceful_shutdown=10,
    )
    return 0
