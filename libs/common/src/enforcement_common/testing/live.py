"""A service app served over real HTTP for tests (uvicorn on 127.0.0.1, in a thread),
and a schemathesis run over its OpenAPI document."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def run_schemathesis(
    base_url: str, headers: dict[str, str], max_examples: int, pools: dict[str, list[str]] | None = None
) -> list[str]:
    """Generate requests for every operation; fail on any 5xx or undocumented status, content
    type or body. Returns the operations exercised.

    ``pools`` (parameter name -> ids of a seeded database) steers generation towards real
    objects: a path or query parameter, or a top-level body property, of that name takes
    one of them (or, now and then, the generated value), so that actions reach business
    states, not only 404s."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    pools = {name: values for name, values in (pools or {}).items() if values}
    ran = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy(), data=st.data())
        def check(case, data) -> None:
            if pools:
                _steer(case, pools, data)
            case.call_and_validate(headers=headers, checks=checks)

        check()
        ran.append(f"{operation.method.upper()} {operation.path}")
    return ran


def _steer(case, pools: dict[str, list[str]], data) -> None:
    """Real ids from ``pools`` into the case's parameters and body, drawn by Hypothesis."""
    from hypothesis import strategies as st

    def draw(name: str, generated):
        return data.draw(st.sampled_from([*pools[name], generated]), label=name)

    for name, value in list((case.path_parameters or {}).items()):
        if name in pools:
            case.path_parameters[name] = draw(name, value)
    if isinstance(case.query, dict):
        for name, value in list(case.query.items()):
            if name in pools:
                case.query[name] = draw(name, value)
    if isinstance(case.body, dict):
        for name, value in list(case.body.items()):
            if name in pools:
                case.body[name] = [draw(name, v) for v in value] if isinstance(value, list) else draw(name, value)


@contextmanager
def serve_service(create_app, settings_class, package: str | Path, **settings: object) -> Iterator[str]:
    """A service on a database of its own at its migrations' head (a copy of the session's
    template), served over HTTP; yields its base URL."""
    from enforcement_common.testing.databases import asyncpg_url, drop_later, take_copy, template_for
    from enforcement_common.testing.infra import kafka_bootstrap

    name = take_copy(template_for(package))
    try:
        app = create_app(
            settings_class(database_url=asyncpg_url(name), kafka_bootstrap_servers=kafka_bootstrap(), **settings)
        )
        with serve_in_thread(app) as base_url:
            yield base_url
    finally:
        drop_later(name)
