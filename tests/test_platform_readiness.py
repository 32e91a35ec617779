"""The five services as real processes (their console entry points) on the test
PostgreSQL and Kafka: ready with both up, 503 naming Kafka while the broker is
stopped, ready again when it returns."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from enforcement_common.testing.infra import BrokerControl, repo_root
from enforcement_common.topics import SERVICES


@dataclass
class RunningService:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached within {timeout} s")


def readyz_status(service: RunningService) -> int | None:
    try:
        return httpx.get(f"{service.url}/readyz", timeout=10).status_code
    except httpx.TransportError:
        return None


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[RunningService]]:
    bin_dir = repo_root() / ".venv" / "bin"
    logs = tmp_path_factory.mktemp("service-logs")
    for name in SERVICES:
        subprocess.run([str(bin_dir / name), "migrate"], check=True, timeout=120, capture_output=True)
    running = []
    for name in SERVICES:
        port = free_port()
        log = logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(bin_dir / name), "serve", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT
            )
        running.append(RunningService(name, port, process, log))
    try:
        for service in running:
            wait_until(lambda s=service: readyz_status(s) is not None, 60, f"{service.name} listening")
        yield running
    finally:
        for service in running:
            service.process.send_signal(signal.SIGTERM)
        for service in running:
            try:
                service.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()


def test_every_service_is_ready_with_database_and_kafka_up(services: list[RunningService]) -> None:
    for service in services:
        response = httpx.get(f"{service.url}/readyz", timeout=10)
        assert response.status_code == 200, (service.name, response.text)
        assert response.json()["checks"] == {"database": {"status": "up"}, "kafka": {"status": "up"}}
        assert httpx.get(f"{service.url}/healthz").json() == {"status": "alive", "service": service.name}


@pytest.mark.broker_control
def test_readyz_is_503_naming_kafka_while_the_broker_is_stopped_and_recovers(
    services: list[RunningService], broker_control: BrokerControl
) -> None:
    broker_control.stop()
    for service in services:
        response = httpx.get(f"{service.url}/readyz", timeout=15)
        assert response.status_code == 503, (service.name, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "service.not_ready" and body["status"] == 503
        assert body["down"] == ["kafka"], body
        assert body["checks"]["database"] == {"status": "up"}
        assert body["checks"]["kafka"]["status"] == "down" and body["checks"]["kafka"]["error"]
        assert "kafka is down" in body["detail"]
        # The process itself stays alive: liveness is not readiness.
        assert httpx.get(f"{service.url}/healthz").status_code == 200
        # The outage shows in the metrics (issue 15).
        metrics = httpx.get(f"{service.url}/metrics").text
        assert f'service_dependency_up{{dependency="kafka",service="{service.name}"}} 0.0' in metrics, service.name

    broker_control.start()
    for service in services:
        wait_until(lambda s=service: readyz_status(s) == 200, 30, f"{service.name} ready again")


def test_services_stop_cleanly_on_sigterm(services: list[RunningService]) -> None:
    """Run last in this module: on SIGTERM each process shuts down gracefully, by itself."""
    for service in services:
        service.process.send_signal(signal.SIGTERM)
    for service in services:
        # uvicorn finishes its shutdown (lifespan: connections closed), then re-raises the signal.
        assert service.process.wait(timeout=20) in (0, -signal.SIGTERM), service.name
        log = service.log.read_text()
        assert "Application shutdown complete" in log, (service.name, log[-2000:])
