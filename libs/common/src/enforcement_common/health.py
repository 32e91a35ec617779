"""Liveness, readiness and metrics endpoints (outside /api/v1, no auth).

``/readyz`` really reaches the service's database and the Kafka broker on every
call; when one is down it answers 503 with a problem body naming what is down and
why, so an orchestrator stops routing traffic and an operator sees the cause.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from aiokafka.client import AIOKafkaClient
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from enforcement_common.api.problems import PROBLEM_CONTENT_TYPE, problem_response
from enforcement_common.db import ping


class DependencyCheck(BaseModel):
    status: Literal["up", "down"]
    error: str | None = None


class Readiness(BaseModel):
    status: Literal["ready"]
    checks: dict[str, DependencyCheck]


class Liveness(BaseModel):
    status: Literal["alive"]
    service: str


async def check_kafka(bootstrap_servers: str, timeout: float) -> None:
    """Bootstrap a fresh client (a TCP connection and a metadata round trip); raise if it fails."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
    finally:
        await client.close()


async def _check(name: str, probe, timeout: float) -> tuple[str, DependencyCheck]:
    try:
        await asyncio.wait_for(probe, timeout)
        return name, DependencyCheck(status="up")
    except TimeoutError:
        return name, DependencyCheck(status="down", error=f"no answer within {timeout:g} s")
    except Exception as exc:  # any failure means "down"; the reason goes to the client
        return name, DependencyCheck(status="down", error=f"{type(exc).__name__}: {exc}"[:300])


async def readiness(engine: AsyncEngine, bootstrap_servers: str, timeout: float) -> dict[str, DependencyCheck]:
    results = await asyncio.gather(
        _check("database", ping(engine), timeout),
        _check("kafka", check_kafka(bootstrap_servers, timeout), timeout + 0.5),
    )
    return dict(results)


def health_router(service: str) -> APIRouter:
    router = APIRouter(tags=["ops"])

    @router.get("/healthz", response_model=Liveness, summary="Process is alive")
    async def healthz() -> Liveness:
        return Liveness(status="alive", service=service)

    @router.get(
        "/readyz",
        response_model=Readiness,
        response_model_exclude_none=True,
        summary="Database and Kafka reachable",
        responses={503: {"description": "A dependency is down", "content": {PROBLEM_CONTENT_TYPE: {}}}},
    )
    async def readyz(request: Request) -> Response | Readiness:
        settings = request.app.state.settings
        checks = await readiness(
            request.app.state.engine, settings.kafka_bootstrap_servers, settings.readiness_timeout_seconds
        )
        down = [name for name, check in checks.items() if check.status == "down"]
        metrics = request.app.state.metrics
        for name, check in checks.items():
            metrics.dependency_up.labels(metrics.service, name).set(0 if check.status == "down" else 1)
        if down:
            detail = "; ".join(f"{name} is down ({checks[name].error})" for name in down)
            return problem_response(
                request,
                503,
                "service.not_ready",
                detail,
                down=down,
                checks={name: check.model_dump(exclude_none=True) for name, check in checks.items()},
                headers={"Retry-After": "5"},
            )
        return Readiness(status="ready", checks=checks)

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics(request: Request) -> Response:
        registry = request.app.state.metrics.registry
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
