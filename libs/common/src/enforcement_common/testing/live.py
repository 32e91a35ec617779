"""A service app served over real HTTP for tests (uvicorn on 127.0.0.1, in a thread),
and a schemathesis run over its OpenAPI document."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` (lifespan included) on an ephemeral loopback port; yield its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def run_schemathesis(base_url: str, headers: dict[str, str], max_examples: int) -> list[str]:
    """Generate requests for every operation; fail on any 5xx or undocumented status, content
    type or body. Returns the operations exercised."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    ran = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        check()
        ran.append(f"{operation.method.upper()} {operation.path}")
    return ran


@contextmanager
def serve_service(create_app, settings_class, package: str, **settings: object) -> Iterator[str]:
    """A service on a freshly migrated scratch database, served over HTTP; yields its base URL."""
    import asyncio

    from enforcement_common.migrations import upgrade
    from enforcement_common.testing.infra import create_scratch_database, drop_database, kafka_bootstrap

    name, url = asyncio.run(create_scratch_database())
    url = url.replace("postgresql://", "postgresql+asyncpg://")
    try:
        upgrade(package, url)
        app = create_app(settings_class(database_url=url, kafka_bootstrap_servers=kafka_bootstrap(), **settings))
        with serve_in_thread(app) as base_url:
            yield base_url
    finally:
        asyncio.run(drop_database(name))
