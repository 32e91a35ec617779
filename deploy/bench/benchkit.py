"""What the benchmarks under deploy/bench share: a service started as its own process on a
scratch database, signed tokens, a minimal keep-alive HTTP client and the figures.

Not a test: timing on a shared 2-core machine is noisy, so every script reports ratios to
a baseline measured in the same run.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from enforcement_common.auth.tokens import mint_token
from enforcement_common.migrations import upgrade
from enforcement_common.testing.infra import create_scratch_database, drop_database, kafka_bootstrap

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-secret-0123456789abcdef0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def auth(*roles: str, unit: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(roles=list(roles), unit_id=unit, secret=SECRET)}"}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class RunningService:
    """A service process serving on ``url``, its database at ``database_url`` (libpq form)."""

    name: str
    url: str
    database_url: str
    process: subprocess.Popen


async def ready(client: httpx.AsyncClient) -> None:
    for _ in range(300):
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{client.base_url} not ready")


@asynccontextmanager
async def running_service(service: str, **env: str) -> AsyncIterator[RunningService]:
    """``service`` (e.g. ``case-service``) migrated into a scratch database and served by its
    console entry point (uvicorn, relay and consumers on); stopped and dropped afterwards."""
    prefix = service.split("-")[0].upper()
    name, url = await create_scratch_database()
    process = None
    try:
        await asyncio.to_thread(
            upgrade, service.replace("-", "_"), url.replace("postgresql://", "postgresql+asyncpg://")
        )
        port = free_port()
        environment = {
            **os.environ,
            f"{prefix}_DATABASE_URL": url,
            f"{prefix}_PORT": str(port),
            f"{prefix}_LOG_LEVEL": "WARNING",
            "AUTH_JWT_SECRET": SECRET,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
            **env,
        }
        # Spawned once, before anything is measured: a blocking spawn is fine here.
        process = subprocess.Popen(  # noqa: ASYNC220
            [str(ROOT / ".venv/bin" / service), "serve"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        running = RunningService(service, f"http://127.0.0.1:{port}", url, process)
        async with httpx.AsyncClient(base_url=running.url, timeout=60) as client:
            await ready(client)
        yield running
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        await drop_database(name)


async def unit_with_officers(
    client: httpx.AsyncClient, code: str, *, kind: str = "county", parent_id: str | None = None
) -> tuple[str, list[str]]:
    """A unit (by the admin, through the API) and two certified officers of it: (unit id, officer ids)."""
    admin = auth("admin")
    body = {"code": code, "name": f"基准{code}", "short_name": code, "kind": kind}
    if parent_id:
        body["parent_id"] = parent_id
    created = await client.post("/api/v1/units", json=body, headers=admin)
    assert created.status_code == 201, created.text
    unit = created.json()["id"]
    officers = []
    for name in ("甲", "乙"):
        officer = await client.post(
            "/api/v1/officers",
            json={
                "unit_id": unit,
                "name": name,
                "staff_type": "established",
                "certificate": {"number": f"{code}-{name}", "issued_on": "2024-01-01", "expires_on": "2030-01-01"},
            },
            headers=admin,
        )
        assert officer.status_code == 201, officer.text
        officers.append(officer.json()["id"])
    return unit, officers


class KeepAliveConnection:
    """One HTTP/1.1 keep-alive connection sending pre-encoded requests (benchmark load only:
    responses must carry Content-Length, which every JSON response of the services does), so
    that the load generator's own CPU — on the same two cores — weighs as little as possible."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> KeepAliveConnection:
        port = int(url.rsplit(":", 1)[1])
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        fields = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
        length = next((int(v) for k, v in fields.items() if k.strip().lower() == "content-length"), None)
        if length is None:
            raise RuntimeError(f"response without Content-Length: {lines[0]}")
        return int(lines[0].split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def encode_post(path: str, body: object, headers: dict[str, str]) -> bytes:
    payload = json.dumps(body, ensure_ascii=False).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n{head}\r\n"
    ).encode() + payload


def encode_get(path: str, headers: dict[str, str]) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return f"GET {path} HTTP/1.1\r\nHost: bench\r\n{head}\r\n".encode()


async def run_concurrently(total: int, concurrency: int, one: Callable[[int], Awaitable[None]]) -> float:
    """Run ``one(i)`` for i in range(total) with ``concurrency`` workers; return operations per second."""
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            await one(i)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - started)


async def timed(total: int, one: Callable[[int], Awaitable[None]]) -> list[float]:
    """Latencies in milliseconds of ``one(i)`` run one after another."""
    latencies = []
    for i in range(total):
        started = time.perf_counter()
        await one(i)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    cuts = statistics.quantiles(ordered, n=100)
    return {
        "p50_ms": round(cuts[49], 2),
        "p90_ms": round(cuts[89], 2),
        "p99_ms": round(cuts[98], 2),
        "max_ms": round(ordered[-1], 2),
    }
