"""A real case-service process killed with SIGKILL right after committing a filing (the
``crash_after_commit`` test hook, not a sleep race): the client saw no response, retries
with the same Idempotency-Key on a restarted process, and gets the stored response —
one case, one audit entry of the filing, the same body."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from enforcement_common.auth.tokens import mint_token
from enforcement_common.calendar import today
from enforcement_common.migrations import upgrade
from enforcement_common.testing.infra import create_scratch_database, drop_database, kafka_bootstrap

SECRET = "crash-test-secret-0123456789abcdef0123456"
SERVICE = Path(sys.executable).parent / "case-service"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def case_service(database_url: str, port: int, **env: str) -> Iterator[subprocess.Popen]:
    """``case-service serve`` as its own process on 127.0.0.1:<port>, ready when yielded."""
    environment = {
        **os.environ,
        "CASE_DATABASE_URL": database_url,
        "CASE_RUN_WORKERS": "false",
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
        "AUTH_JWT_SECRET": SECRET,
        "ENFORCEMENT_ENV": "local",
        **env,
    }
    process = subprocess.Popen(
        [str(SERVICE), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"case-service did not start (exit code {process.poll()})")
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _auth(*roles: str, unit: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(roles=list(roles), unit_id=unit, secret=SECRET, sub='crash-test')}"}


def _seed(base: str) -> tuple[str, list[str]]:
    """A township with two certified officers."""
    admin = _auth("admin")
    with httpx.Client(base_url=base, timeout=10) as client:
        county = client.post(
            "/api/v1/units", json={"code": "XC", "name": "某县", "kind": "county"}, headers=admin
        ).json()["id"]
        unit = client.post(
            "/api/v1/units",
            json={"code": "T1", "name": "城关镇", "kind": "township", "parent_id": county},
            headers=admin,
        ).json()["id"]
        officers = []
        for name in ("甲", "乙"):
            body = {
                "unit_id": unit,
                "name": name,
                "staff_type": "established",
                "id_number": "14270119800101123X",
                "certificate": {
                    "number": f"CERT-{uuid.uuid4().hex[:8]}",
                    "issued_on": "2024-01-01",
                    "expires_on": (today() + timedelta(days=365)).isoformat(),
                },
            }
            created = client.post("/api/v1/officers", json=body, headers=admin)
            assert created.status_code == 201, created.text
            officers.append(created.json()["id"])
    return unit, officers


@pytest.mark.timeout(240)
async def test_a_filing_killed_right_after_its_commit_is_replayed_once_on_retry() -> None:
    await _on_a_migrated_database(_scenario)


async def _on_a_migrated_database(scenario) -> None:
    """``scenario(url)`` (blocking: it runs processes) on a scratch database at case-service's head."""
    name, libpq_url = await create_scratch_database()
    url = libpq_url.replace("postgresql://", "postgresql+asyncpg://")
    try:
        await asyncio.to_thread(upgrade, "case_service", url)
        await asyncio.to_thread(scenario, url)
    finally:
        await drop_database(name)


def _scenario(url: str) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with case_service(url, port):
        unit, (lead, co) = _seed(base)
    filing = {
        "unit_id": unit,
        "category": "penalty",
        "title": "未按规定设置招牌",
        "summary": "",
        "party": {"name": "某商店", "kind": "organization", "id_number": "91141000MA0K000000"},
        "lead_handler_id": lead,
        "co_handler_ids": [co],
    }
    headers = {**_auth("officer", unit=unit), "Idempotency-Key": "file-once"}

    with case_service(url, port, CASE_CRASH_AFTER_COMMIT=r"^/api/v1/cases$") as doomed:
        with pytest.raises(httpx.TransportError):  # the process died before answering
            httpx.post(f"{base}/api/v1/cases", json=filing, headers=headers, timeout=30)
        assert doomed.wait(30) == -signal.SIGKILL

    with case_service(url, port), httpx.Client(base_url=base, timeout=30) as client:
        officer, auditor = _auth("officer", unit=unit), _auth("auditor", unit=unit)
        # Before any retry: the case and its audit entry committed together, once.
        cases = client.get("/api/v1/cases", headers=officer).json()["items"]
        assert len(cases) == 1
        audit = client.get(
            "/api/v1/audit", params={"path_prefix": "/api/v1/cases", "status": 201}, headers=auditor
        ).json()["items"]
        assert [a["resource_id"] for a in audit] == [cases[0]["id"]], "the filing audited with its commit"

        retry = client.post("/api/v1/cases", json=filing, headers=headers)
        assert retry.status_code == 201, retry.text
        assert retry.headers["idempotent-replayed"] == "true" and retry.json()["id"] == cases[0]["id"]
        again = client.post("/api/v1/cases", json=filing, headers=headers)
        assert again.content == retry.content
        assert len(client.get("/api/v1/cases", headers=officer).json()["items"]) == 1, "one effect"
        assert client.get("/api/v1/audit/verify", headers=auditor).json()["valid"] is True


KILLS = 20


@pytest.mark.timeout(600)
async def test_kill_9_right_after_the_business_commit_20_times_every_retry_replays_one_effect() -> None:
    """Issue 15: ``KILLS`` times, a process is killed with SIGKILL right after committing a
    filing (the ``crash_after_commit`` hook); the client's retry with the same key, sent at
    once to a process that kept running, replays the stored response on its first attempt —
    never ``409 idempotency.in_flight`` (the claim is a transaction-scoped advisory lock,
    gone with the transaction: nothing outlives a crash) — and each key made one case."""
    await _on_a_migrated_database(_repeated_kills)


def _repeated_kills(url: str) -> None:
    port, doomed_port = _free_port(), _free_port()
    with case_service(url, port), httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        unit, (lead, co) = _seed(f"http://127.0.0.1:{port}")
        officer = _auth("officer", unit=unit)
        seen: set[str] = set()
        for attempt in range(KILLS):
            filing = {
                "unit_id": unit,
                "category": "penalty",
                "title": f"未按规定设置招牌 {attempt}",
                "summary": "",
                "party": {"name": "某商店", "kind": "organization", "id_number": "91141000MA0K000000"},
                "lead_handler_id": lead,
                "co_handler_ids": [co],
            }
            headers = {**officer, "Idempotency-Key": f"kill-{attempt}"}
            with case_service(url, doomed_port, CASE_CRASH_AFTER_COMMIT=r"^/api/v1/cases$") as doomed:
                with pytest.raises(httpx.TransportError):
                    httpx.post(f"http://127.0.0.1:{doomed_port}/api/v1/cases", json=filing, headers=headers, timeout=30)
                assert doomed.wait(30) == -signal.SIGKILL
            retry = client.post("/api/v1/cases", json=filing, headers=headers)
            assert retry.status_code == 201, (attempt, retry.text)  # first attempt: no 409 in flight
            assert retry.headers["idempotent-replayed"] == "true", attempt
            case_id = retry.json()["id"]
            assert case_id not in seen
            seen.add(case_id)
        cases = client.get("/api/v1/cases", headers=officer, params={"limit": 100}).json()["items"]
        assert sorted(c["id"] for c in cases) == sorted(seen), "one case per key, none twice"
        auditor = _auth("auditor", unit=unit)
        assert client.get("/api/v1/audit/verify", headers=auditor).json()["valid"] is True
