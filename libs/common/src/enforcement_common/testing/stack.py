"""Several services in one test, as they run together: each app on its own copy of its
template database, all on the test broker, signing tokens with one secret, each reached
through an httpx client over ASGI. For cross-service flows (tests/test_*_flow.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from enforcement_common.auth.tokens import mint_token
from enforcement_common.testing.databases import asyncpg_url, copy_database, drop_database, template_for
from enforcement_common.testing.infra import kafka_bootstrap

__all__ = ["STACK_SECRET", "RunningService", "ServiceSpec", "eventually", "stack_auth", "start_services"]

T = TypeVar("T")

#: The secret every app of a stack verifies tokens with, and stack_auth signs with.
STACK_SECRET = "cross-service-test-secret-0123456789abcdef"


@dataclass(frozen=True)
class ServiceSpec:
    """How to build one service of the stack: its app factory, its settings class, its package
    (whose migrated template the database is copied from) and settings of its own."""

    create_app: Callable[[Any], FastAPI]
    settings_class: type
    package: str
    settings: dict[str, Any] | None = None


@dataclass(frozen=True)
class RunningService:
    app: FastAPI
    client: httpx.AsyncClient


async def start_services(stack: AsyncExitStack, **specs: ServiceSpec) -> dict[str, RunningService]:
    """Start every service of ``specs`` (lifespans entered, databases dropped when ``stack``
    closes); the result maps the same names to the app and its client."""
    running = {}
    for name, spec in specs.items():
        database = await copy_database(await asyncio.to_thread(template_for, spec.package))
        stack.push_async_callback(drop_database, database)
        settings = spec.settings_class(
            database_url=asyncpg_url(database),
            kafka_bootstrap_servers=kafka_bootstrap(),
            auth_jwt_secret=STACK_SECRET,
            **(spec.settings or {}),
        )
        app = spec.create_app(settings)
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
        )
        running[name] = RunningService(app, client)
    return running


def stack_auth(*roles: str, unit: str | None = None, officer: str | None = None) -> dict[str, str]:
    """Headers of a caller of the stack with ``roles`` in ``unit``."""
    token = mint_token(roles=list(roles), unit_id=unit, officer_id=officer, secret=STACK_SECRET, name="联调")
    return {"Authorization": f"Bearer {token}"}


async def eventually(probe: Callable[[], Awaitable[T]], timeout: float = 90.0, what: str = "condition") -> T:
    """``probe()``'s first truthy answer, polled every 0.2 s; fails after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout} s")
        await asyncio.sleep(0.2)
