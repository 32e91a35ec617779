"""make chaos: the platform under faults, the way an operator meets it (issue 15).

A private instance (INSTANCE=chaos: its own PostgreSQL, Kafka and ports, started and
stopped here) runs every service on main as a real process. A workload crosses the
services through their public APIs — cases filed and driven to closure (review-service
owes a self-review obligation for each, REV-5), cases whose reconsideration is concluded
``revoked`` (accountability-service opens an error case, ERR-5), interference records
(INT-3), tolerance applications decided by the party committee (TOL-14: accountability-
and stats-service learn of each), trainings and officers registered with or without a
certificate (stats-service, STAT-5) — with a client that
retries like a provincial platform: transport errors, 5xx and ``409 idempotency.in_flight``
are retried with the same ``Idempotency-Key``. Meanwhile faults run on a schedule drawn
from ``--seed``: kill -9 of each service with requests in flight (then restarted), Kafka
stopped and started, PostgreSQL fast-restarted, a second instance of review-service and of
stats-service joining their consumer groups mid-stream (a rebalance) and leaving again.

Then the invariants, through the APIs, the databases and the topics, as a table
(expected vs observed) — stats-service's figures among them, against a recount from the
owning services' own tables — and per fault the recovery figures: API first OK after the
fault's end, outbox drained (every row written before the end published), consumers
caught up (every effect of a success seen before the end present). Exit 1 when an
invariant fails.

    deploy/chaos/chaos.py              short form: every fault once (~2 minutes of faults)
    deploy/chaos/chaos.py --long --seed 7
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from enforcement_common.auth.tokens import mint_token
from enforcement_common.calendar import today
from enforcement_common.events.envelope import decode_envelope
from enforcement_common.topics import DEAD_LETTER_TOPICS, SERVICES
from stats_service import rules as stats_rules

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / "deploy" / "local"
VENV_BIN = ROOT / ".venv" / "bin"
SECRET = "chaos-suite-local-secret-0123456789abcdef"
CASES_TOPIC = "enforcement.cases.v1"
API_TARGET_S = 2.0
ABANDONED_LOCKS = (
    "SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND a.datname = current_database() AND a.state LIKE 'idle in transaction%'"
)
DOWNSTREAM_TARGET_S = 15.0


def log(message: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {message}", flush=True)


def auth(*roles: str, unit: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(roles=list(roles), unit_id=unit, secret=SECRET, name='压测')}"}


# --- the instance --------------------------------------------------------------------


class Instance:
    """PostgreSQL, Kafka and the services of INSTANCE=chaos, as processes of this run."""

    def __init__(self, logs: Path) -> None:
        self.base_env = {**os.environ, "INSTANCE": "chaos"}
        for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"):
            self.base_env.pop(name, None)  # always the instance's own servers
        self.logs = logs
        self.env: dict[str, str] = {}
        self.ports: dict[str, int] = {}
        self.processes: dict[str, subprocess.Popen] = {}

    def sh(self, *args: str) -> str:
        done = subprocess.run(
            [str(LOCAL / args[0]), *args[1:]], env=self.base_env, check=True, capture_output=True, text=True
        )
        return done.stdout

    def up(self) -> None:
        log("starting PostgreSQL and Kafka (INSTANCE=chaos, fresh)")
        self.sh("infra.sh", "up", "--fresh")
        self.logs.mkdir(parents=True, exist_ok=True)  # after --fresh, which wipes .run/chaos
        for line in self.sh("infra.sh", "env").splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            self.env[name] = shlex.split(value)[0] if value else ""
        for name in SERVICES:
            self.ports[name] = int(self.env[f"{name.split('-')[0].upper()}_PORT"])
        log("migrating the services")
        migrations = [
            subprocess.Popen([str(VENV_BIN / name), "migrate"], env=self.service_env(), stdout=subprocess.DEVNULL)
            for name in SERVICES
        ]
        if any(m.wait(300) != 0 for m in migrations):
            raise RuntimeError("a migration failed")

    def service_env(self, **extra: str) -> dict[str, str]:
        return {**self.base_env, **self.env, "AUTH_JWT_SECRET": SECRET, "ENFORCEMENT_ENV": "local", **extra}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, name: str, *, instance: str | None = None, port: int | None = None) -> None:
        key = instance or name
        port = port or self.ports[name]
        with socket.socket() as probe:  # a leftover on the port would answer in its place
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise RuntimeError(
                    f"port {port} is taken: a process of an earlier run? (CHAOS_SERVICE_PORT_BASE moves them)"
                )
        out = (self.logs / f"{key}.log").open("ab")
        self.processes[key] = subprocess.Popen(
            [str(VENV_BIN / name), "serve", "--port", str(port)],
            env=self.service_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill9(self, key: str) -> None:
        process = self.processes.pop(key)
        process.send_signal(signal.SIGKILL)
        process.wait(30)

    def terminate(self, key: str) -> None:
        process = self.processes.pop(key)
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def down(self) -> None:
        for key in list(self.processes):
            self.terminate(key)
        log("stopping PostgreSQL and Kafka")
        subprocess.run([str(LOCAL / "infra.sh"), "down"], env=self.base_env, check=False, capture_output=True)

    def database_url(self, name: str) -> str:
        url = self.env[f"{name.split('-')[0].upper()}_DATABASE_URL"]
        return url.replace("postgresql+asyncpg://", "postgresql://")


async def wait_ready(url: str, timeout: float = 120.0) -> float:
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=5) as client:
        while time.monotonic() - started < timeout:
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} not ready within {timeout} s")


# --- the client ------------------------------------------------------------------------


@dataclass
class ClientStats:
    retries: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)  # a 500, or a 5xx that is not a problem


class Client:
    """Retries like a provincial platform: the same Idempotency-Key on transport errors,
    5xx and 409 in flight, until an answer or the deadline."""

    def __init__(self, instance: Instance, stats: ClientStats) -> None:
        self.instance = instance
        self.stats = stats
        self.http = httpx.AsyncClient(timeout=15)

    async def call(self, service: str, method: str, path: str, headers: dict, body=None, key: str | None = None):
        if key is not None:
            headers = {**headers, "Idempotency-Key": key}
        deadline = time.monotonic() + 180
        delay = 0.1
        while True:
            try:
                response = await self.http.request(
                    method, f"{self.instance.url(service)}{path}", json=body, headers=headers
                )
            except httpx.TransportError as exc:
                self.stats.retries[f"transport ({type(exc).__name__})"] += 1
            else:
                in_flight = response.status_code == 409 and "idempotency.in_flight" in response.text
                if response.status_code < 500 and not in_flight:
                    return response
                if response.status_code >= 500 and (
                    response.status_code != 503 or response.headers.get("content-type") != "application/problem+json"
                ):
                    self.stats.unexpected.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
                self.stats.retries[f"{response.status_code} {'in_flight' if in_flight else ''}".strip()] += 1
            if time.monotonic() > deadline:
                raise RuntimeError(f"{method} {path} not answered within 180 s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)


# --- the workload ----------------------------------------------------------------------


@dataclass
class Seen:
    """What the client saw succeed, with the monotonic time it saw it."""

    filings: dict[str, str] = field(default_factory=dict)  # key -> case id
    closed: dict[str, float] = field(default_factory=dict)  # case id -> when
    revoked: dict[str, float] = field(default_factory=dict)  # remedy id -> when
    remedy_case: dict[str, str] = field(default_factory=dict)
    interference: dict[str, float] = field(default_factory=dict)  # record id -> when
    decided: dict[str, float] = field(default_factory=dict)  # tolerance application id -> when
    trainings: dict[str, float] = field(default_factory=dict)  # training id -> when
    officers: dict[str, float] = field(default_factory=dict)  # officer registered mid-run -> when


class Workload:
    def __init__(self, client: Client, seen: Seen, rng: random.Random) -> None:
        self.client = client
        self.seen = seen
        self.rng = rng
        self.stopping = asyncio.Event()
        self.unit = ""
        self.officers: list[str] = []
        self.failures: list[str] = []

    async def setup(self) -> None:
        admin = auth("admin")
        created = await self.client.call(
            "case-service",
            "POST",
            "/api/v1/units",
            admin,
            {"code": f"C{uuid.uuid4().hex[:6]}", "name": "城关镇", "short_name": "城关", "kind": "county"},
            key=f"unit-{uuid.uuid4()}",
        )
        assert created.status_code == 201, created.text
        self.unit = created.json()["id"]
        certificate = {"issued_on": "2024-01-01", "expires_on": (today() + timedelta(days=365)).isoformat()}
        for index in range(8):
            body = {
                "unit_id": self.unit,
                "name": f"执法员{index}",
                "staff_type": "established",
                "certificate": {"number": f"CH{index}{uuid.uuid4().hex[:6]}", **certificate},
            }
            officer = await self.client.call(
                "case-service", "POST", "/api/v1/officers", admin, body, key=f"officer-{uuid.uuid4()}"
            )
            assert officer.status_code == 201, officer.text
            self.officers.append(officer.json()["id"])
            self.seen.officers[officer.json()["id"]] = time.monotonic()

    async def worker(self, index: int) -> None:
        step = 0
        while not self.stopping.is_set():
            step += 1
            try:
                draw = self.rng.random()
                tag = f"w{index}-{step}"
                if draw < 0.45:
                    await self.closed_case(tag)
                elif draw < 0.65:
                    await self.revoked_case(tag)
                elif draw < 0.75:
                    await self.interfered_case(tag)
                elif draw < 0.9:
                    await self.tolerated_case(tag)
                elif draw < 0.95:
                    await self.training()
                else:
                    await self.registered_officer()
            except Exception as exc:  # a story that could not finish is an invariant failure
                self.failures.append(f"worker {index} story {step}: {exc!r}"[:300])

    async def _file(self, tag: str, lead: str | None = None) -> str:
        lead, co = (
            self.rng.sample([o for o in self.officers if o != lead], 2)
            if lead is None
            else (
                lead,
                self.rng.choice([o for o in self.officers if o != lead]),
            )
        )
        key = f"file-{tag}-{uuid.uuid4().hex[:8]}"
        body = {
            "unit_id": self.unit,
            "category": "penalty",
            "title": f"占道经营 {key}",  # the key in the title: a second effect of one key shows
            "party": {"name": "某商店", "kind": "organization"},
            "lead_handler_id": lead,
            "co_handler_ids": [co],
            "filed_on": today().isoformat(),  # within the back-dating window of an officer (CASE-3)
        }
        officer = auth("officer", "legal_affairs", unit=self.unit)
        filed = await self.client.call("case-service", "POST", "/api/v1/cases", officer, body, key=key)
        if filed.status_code != 201:
            raise RuntimeError(f"filing answered {filed.status_code}: {filed.text[:200]}")
        self.seen.filings[key] = filed.json()["id"]
        return filed.json()["id"]

    async def _advance(self, case_id: str, steps: tuple[str, ...]) -> None:
        officer = auth("officer", "legal_affairs", unit=self.unit)
        on = today().isoformat()
        payloads = {
            "investigation": {},
            "decision": {
                "decision_type": "罚款",
                "penalty_kinds": ["fine"],
                "fine_amount": "500",
                "decided_on": on,
                "legal_basis": "x",
            },
            "service": {"served_on": on, "method": "direct"},
            "closure": {"closed_on": on},
        }
        for action in steps:
            answer = await self.client.call(
                "case-service",
                "POST",
                f"/api/v1/cases/{case_id}/{action}",
                officer,
                payloads[action],
                key=f"{action}-{case_id}",
            )
            if answer.status_code != 200:
                raise RuntimeError(f"{action} answered {answer.status_code}: {answer.text[:200]}")

    async def closed_case(self, tag: str) -> None:
        case_id = await self._file(tag)
        await self._advance(case_id, ("investigation", "decision", "service", "closure"))
        self.seen.closed[case_id] = time.monotonic()

    async def interfered_case(self, tag: str) -> None:
        """A handler records an interference (INT-3) in accountability-service, which knows the
        case and its handlers from case-service's events."""
        lead = self.rng.choice(self.officers)
        case_id = await self._file(tag, lead=lead)
        intervener = self.rng.choice([o for o in self.officers if o != lead])
        body = {
            "case_id": case_id,
            "occurred_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),  # after the filing
            "place": "执法大队办公室",
            "intervener": {"officer_id": intervener, "position": "分管副局长"},
            "method": "oral",
            "content": "打招呼要求对当事人从轻处罚",
            "category": "I5",
        }
        handler = {
            "Authorization": "Bearer "
            + mint_token(
                roles=["officer", "legal_affairs"], unit_id=self.unit, officer_id=lead, secret=SECRET, name="压测"
            )
        }
        record = await self._until_known(
            "accountability-service", "/api/v1/interference-records", handler, body, f"interference-{case_id}"
        )
        self.seen.interference[record["id"]] = time.monotonic()

    async def _until_known(self, service: str, path: str, headers: dict, body: dict, key: str, ok: int = 201):
        """A write naming a case or officer another service learns of from case-service's
        events: 404 (403, 422: a handler not yet known) until it does — a refusal, so a new key each try."""
        deadline = time.monotonic() + 120
        while True:
            answer = await self.client.call(service, "POST", path, headers, body, key=f"{key}-{uuid.uuid4().hex[:6]}")
            if answer.status_code == ok:
                return answer.json()
            if answer.status_code not in (403, 404, 422) or time.monotonic() > deadline:
                raise RuntimeError(f"{service} {path} answered {answer.status_code}: {answer.text[:200]}")
            await asyncio.sleep(0.5)

    async def tolerated_case(self, tag: str) -> None:
        """An application for fault tolerance (容错免责, TOL-11/TOL-12) on a filed case, investigated
        and decided by the deciding body's party committee (TOL-14): tolerance.decided reaches
        accountability-service (TOL-15) and stats-service."""
        lead = self.rng.choice(self.officers)
        case_id = await self._file(tag, lead=lead)
        exempted = self.rng.random() < 0.5
        conditions = {"C1": True, "C2": True, "C3": exempted}  # C3 false: only mitigation (TOL-11)
        claim = {
            "grounds": {"due_diligence": [], "tolerance": ["TG6"], "mitigation": []},
            "conditions": conditions,
            "exclusions": {"outside_statutory_duty": False, "violated_statutory_procedure": False},
        }
        legal = auth("legal_affairs", unit=self.unit)
        body = {
            "unit_id": self.unit,
            "officer_ids": [lead],
            "case_id": case_id,
            "initiated_by": "unit",
            "incident_on": today().isoformat(),
            "description": "执法检查中当事人隐瞒情况，未能及时发现隐患",
            "loss_level": "minor",
            **claim,
        }
        application = await self._until_known("tolerance-service", "/api/v1/applications", legal, body, f"apply-{tag}")
        path = f"/api/v1/applications/{application['id']}"
        investigation = {
            "investigated_on": today().isoformat(),
            "facts": "经调查核实，当事人故意隐瞒，执法人员已依法检查",
            "loss_level": "minor",
            **claim,
        }
        answer = await self.client.call(
            "tolerance-service", "POST", f"{path}/investigation", legal, investigation, key=f"investigate-{tag}"
        )
        if answer.status_code != 200:
            raise RuntimeError(f"investigation answered {answer.status_code}: {answer.text[:200]}")
        decision: dict = {
            "outcome": "exempted" if exempted else "mitigated",
            "decided_on": today().isoformat(),
            "publication_scope": "本单位内公开",
            "deliberation": {
                "subjective_objective": "主观上积极履职，客观上受条件限制",
                "procedure_method": "程序合法，方法适当",
                "nature_degree": "情节轻微",
                "consequences_impact": "未造成严重不良影响",
                "loss_recovered": "已主动挽回损失",
            },
        }
        if exempted:  # TOL-16: an exemption comes with its correction order
            decision["correction"] = {
                "reason": "检查流程存在疏漏",
                "items": ["完善检查台账"],
                "requirements": "30日内完成整改并报告",
                "due_on": (today() + timedelta(days=30)).isoformat(),
            }
        else:
            decision["mitigation_kind"] = "lighter"
        committee = auth("party_committee", unit=application["deciding_unit_id"])
        answer = await self.client.call(
            "tolerance-service", "POST", f"{path}/decision", committee, decision, key=f"decide-{tag}"
        )
        if answer.status_code != 200:
            raise RuntimeError(f"decision answered {answer.status_code}: {answer.text[:200]}")
        self.seen.decided[application["id"]] = time.monotonic()

    async def training(self) -> None:
        """A training attended or a course held (STAT-5a): stats-service counts it."""
        attendees = self.rng.sample(self.officers, self.rng.randint(1, 3))
        body = {
            "kind": self.rng.choice(["attended", "held"]),
            "title": "行政执法业务培训",
            "content": "行政处罚法、行政执法三项制度",
            "organizer_unit_id": self.unit,
            "start_date": today().isoformat(),
            "end_date": today().isoformat(),
            "hours": self.rng.choice(["1.5", "2", "4", "8"]),
            "attendee_ids": attendees,
        }
        answer = await self.client.call(
            "case-service", "POST", "/api/v1/trainings", auth("admin"), body, key=f"training-{uuid.uuid4()}"
        )
        if answer.status_code != 201:
            raise RuntimeError(f"training answered {answer.status_code}: {answer.text[:200]}")
        self.seen.trainings[answer.json()["id"]] = time.monotonic()

    async def registered_officer(self) -> None:
        """An officer registered with a certificate or still without one (持证率, STAT-5b)."""
        body: dict = {"unit_id": self.unit, "name": "新进执法员", "staff_type": "established"}
        if self.rng.random() < 0.7:
            body["certificate"] = {
                "number": f"CH{uuid.uuid4().hex[:10]}",
                "issued_on": "2025-06-01",
                "expires_on": (today() + timedelta(days=730)).isoformat(),
            }
        answer = await self.client.call(
            "case-service", "POST", "/api/v1/officers", auth("admin"), body, key=f"officer-{uuid.uuid4()}"
        )
        if answer.status_code != 201:
            raise RuntimeError(f"officer answered {answer.status_code}: {answer.text[:200]}")
        self.seen.officers[answer.json()["id"]] = time.monotonic()

    async def revoked_case(self, tag: str) -> None:
        case_id = await self._file(tag)
        await self._advance(case_id, ("investigation", "decision"))  # CASE-8: a remedy follows the decision
        body = {
            "kind": "reconsideration",
            "status": "concluded",
            "result": "revoked",
            "filed_on": today().isoformat(),
            "concluded_on": today().isoformat(),
        }
        answer = await self.client.call(
            "case-service",
            "POST",
            f"/api/v1/cases/{case_id}/legal-remedies",
            auth("legal_affairs", unit=self.unit),
            body,
            key=f"remedy-{case_id}",
        )
        if answer.status_code != 201:
            raise RuntimeError(f"remedy answered {answer.status_code}: {answer.text[:200]}")
        self.seen.revoked[answer.json()["id"]] = time.monotonic()
        self.seen.remedy_case[answer.json()["id"]] = case_id


# --- faults and recovery -------------------------------------------------------------


@dataclass
class Recovery:
    fault: str
    down_s: float
    api_s: float | None
    outbox_s: float | None
    downstream_s: float | None
    note: str = ""


class Chaos:
    def __init__(self, instance: Instance, seen: Seen, workload: Workload) -> None:
        self.instance = instance
        self.seen = seen
        self.workload = workload
        self.recoveries: list[Recovery] = []
        self.pools: dict[str, asyncpg.Pool] = {}

    async def _pool(self, name: str) -> asyncpg.Connection:
        return await asyncpg.connect(self.instance.database_url(name), timeout=5)

    async def _query(self, name: str, sql: str, *args):
        connection = await self._pool(name)
        try:
            return await connection.fetch(sql, *args)
        finally:
            await connection.close()

    async def api_first_ok(self, services: list[str], since: float, timeout: float = 60.0) -> float | None:
        """Seconds from ``since`` until every service answers an authenticated read 200."""
        auditor = auth("auditor", unit=self.workload.unit)
        pending = set(services)
        async with httpx.AsyncClient(timeout=5) as http:
            while pending and time.monotonic() - since < timeout:
                for name in list(pending):
                    try:
                        answer = await http.get(f"{self.instance.url(name)}/api/v1/audit", headers=auditor)
                        if answer.status_code == 200:
                            pending.discard(name)
                    except httpx.TransportError:
                        pass
                if pending:
                    await asyncio.sleep(0.05)
        return None if pending else time.monotonic() - since

    async def outbox_drained(self, since: float, wall_end: float, timeout: float = 60.0) -> float | None:
        """Seconds from ``since`` until every outbox row written before the fault's end is published."""
        while time.monotonic() - since < timeout:
            try:
                left = 0
                for name in SERVICES:
                    rows = await self._query(
                        name,
                        "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL AND created_at <= to_timestamp($1)",
                        wall_end,
                    )
                    left += rows[0]["n"]
                if left == 0:
                    return time.monotonic() - since
            except (OSError, asyncpg.PostgresError):
                pass
            await asyncio.sleep(0.2)
        return None

    def downstream_effects(self) -> list[tuple[str, str, str, dict[str, float]]]:
        """(what, consumer, query of the facts it has an effect for, the facts the client saw
        succeed): every consumer of the workload's facts, stats-service's live generation included."""
        live = "(SELECT live_gen FROM stat_state)"
        seen = self.seen
        return [
            (
                "review: one obligation per closed case (REV-5)",
                "review-service",
                "SELECT case_id::text AS fact FROM obligations",
                seen.closed,
            ),
            (
                "accountability: one error case per revoked remedy (ERR-5)",
                "accountability-service",
                "SELECT remedy_id::text AS fact FROM error_cases WHERE remedy_id IS NOT NULL",
                seen.revoked,
            ),
            (
                "accountability: every client-seen interference record once (INT-3)",
                "accountability-service",
                "SELECT id::text AS fact FROM interference_records",
                seen.interference,
            ),
            (
                "accountability: every tolerance decision known once (TOL-15)",
                "accountability-service",
                "SELECT application_id::text AS fact FROM tolerance_decisions",
                seen.decided,
            ),
            (
                "stats: every closed case's facts once (STAT-7)",
                "stats-service",
                f"SELECT case_id::text AS fact FROM stat_cases WHERE gen = {live} AND closed_on IS NOT NULL",
                seen.closed,
            ),
            (
                "stats: every tolerance decision once (TOL-14)",
                "stats-service",
                f"SELECT application_id::text AS fact FROM stat_tolerance_decisions WHERE gen = {live}",
                seen.decided,
            ),
            (
                "stats: every training once (STAT-5a)",
                "stats-service",
                f"SELECT training_id::text AS fact FROM stat_trainings WHERE gen = {live}",
                seen.trainings,
            ),
            (
                "stats: every officer registered known (STAT-5b)",
                "stats-service",
                f"SELECT DISTINCT officer_id::text AS fact FROM stat_officer_states WHERE gen = {live}",
                seen.officers,
            ),
        ]

    async def downstream_caught_up(self, since: float, timeout: float = 60.0) -> float | None:
        """Seconds from ``since`` until every fact the client saw succeed before ``since`` has
        its effect in every consumer (an obligation, an error case, a tolerance decision known,
        the statistics' rows)."""
        wanted = [
            (service, sql, {fact for fact, at in facts.items() if at <= since})
            for _, service, sql, facts in self.downstream_effects()
        ]
        while time.monotonic() - since < timeout:
            try:
                for service, sql, facts in wanted:
                    if facts and not facts <= {r["fact"] for r in await self._query(service, sql)}:
                        break
                else:
                    return time.monotonic() - since
            except (OSError, asyncpg.PostgresError):
                pass
            await asyncio.sleep(0.2)
        return None

    async def measure(self, fault: str, down_s: float, services: list[str], note: str = "") -> None:
        end, wall_end = time.monotonic(), time.time()
        api, outbox, downstream = await asyncio.gather(
            self.api_first_ok(services, end),
            self.outbox_drained(end, wall_end),
            self.downstream_caught_up(end),
        )
        self.recoveries.append(Recovery(fault, down_s, api, outbox, downstream, note))
        log(f"{fault}: API {_s(api)}, outbox {_s(outbox)}, downstream {_s(downstream)} {note}")

    # the faults --------------------------------------------------------------------

    async def kill(self, name: str) -> None:
        await asyncio.sleep(0.3)  # requests are in flight: the workload never pauses
        started = time.monotonic()
        await asyncio.to_thread(self.instance.kill9, name)
        self.instance.start(name)
        startup = await wait_ready(self.instance.url(name))
        if self.instance.processes[name].poll() is not None:
            raise RuntimeError(f"{name} exited after its restart (see .run/chaos/logs)")
        # The fault ends when the replacement process listens: its start-up is reported apart.
        await self.measure(f"kill -9 {name}", time.monotonic() - started, [name], f"(process start-up {startup:.1f} s)")

    async def kafka(self, hold: float) -> None:
        started = time.monotonic()
        await asyncio.to_thread(self.instance.sh, "kafka.sh", "stop")
        await asyncio.sleep(hold)
        await asyncio.to_thread(self.instance.sh, "kafka.sh", "start")
        await self.measure("Kafka stop/start", time.monotonic() - started, list(SERVICES))

    async def postgres(self) -> None:
        started = time.monotonic()
        await asyncio.to_thread(self.instance.sh, "pg.sh", "down")  # fast shutdown
        await asyncio.to_thread(self.instance.sh, "pg.sh", "up")
        await self.measure("PostgreSQL fast restart", time.monotonic() - started, list(SERVICES))

    async def second_consumer(self, name: str) -> None:
        """A second instance of ``name`` joins its consumer groups mid-stream (a rebalance)."""
        started = time.monotonic()
        port = self.instance.ports[name] + 10
        self.instance.start(name, instance=f"{name}-2", port=port)
        await wait_ready(f"http://127.0.0.1:{port}")
        await self.measure(f"{name} #2 joins (rebalance)", time.monotonic() - started, [name])

    async def second_consumer_leaves(self, name: str) -> None:
        started = time.monotonic()
        await asyncio.to_thread(self.instance.terminate, f"{name}-2")
        await self.measure(f"{name} #2 leaves (rebalance)", time.monotonic() - started, [name])


def _s(value: float | None) -> str:
    return "timeout" if value is None else f"{value:.2f} s"


# --- invariants ------------------------------------------------------------------------


@dataclass
class Invariant:
    name: str
    expected: object
    observed: object

    @property
    def ok(self) -> bool:
        return self.expected == self.observed


async def read_topic(bootstrap: str, topic: str) -> list:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or set())]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        records = []
        while True:
            behind = [p for p in partitions if await consumer.position(p) < ends[p]]
            if not behind:
                break
            batch = await consumer.getmany(timeout_ms=1000)
            for items in batch.values():
                records.extend(items)
        return records
    finally:
        await consumer.stop()


async def invariants(instance: Instance, chaos: Chaos, seen: Seen, workload: Workload, stats: ClientStats):
    q = chaos._query
    checks: list[Invariant] = []
    checks.append(Invariant("every workload story finished", [], workload.failures[:3]))
    checks.append(Invariant("no 500 / non-problem 5xx answered", [], stats.unexpected[:3]))

    cases = await q("case-service", "SELECT id::text AS id, title FROM cases")
    by_title = Counter(r["title"] for r in cases)
    ids = Counter(r["id"] for r in cases)
    seen_ids = set(seen.filings.values())
    checks.append(Invariant("cases: every client-seen filing present", len(seen_ids), len(seen_ids & set(ids))))
    checks.append(Invariant("cases: one effect per Idempotency-Key", 0, sum(1 for n in by_title.values() if n > 1)))
    checks.append(Invariant("cases: none beyond the client-seen filings", len(seen_ids), len(cases)))
    remedies = await q("case-service", "SELECT id::text AS id FROM legal_remedies")
    checks.append(
        Invariant(
            "remedies: every client-seen remedy present once",
            len(seen.revoked),
            len(set(seen.revoked) & {r["id"] for r in remedies}),
        )
    )

    for name, service, sql, expected in chaos.downstream_effects():
        # Exactly one downstream row per fact the client saw succeed, and none for a fact it did not see.
        per_fact = Counter(r["fact"] for r in await q(service, sql))
        checks.append(Invariant(name, len(expected), sum(per_fact[f] == 1 for f in expected)))
        checks.append(Invariant(f"{name}: none unseen", 0, len(set(per_fact) - set(expected))))

    bootstrap = instance.env["KAFKA_BOOTSTRAP_SERVERS"]
    records = await read_topic(bootstrap, CASES_TOPIC)
    first: dict[str, list[str]] = {}
    seen_events: set[str] = set()
    duplicates = 0
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        envelope = decode_envelope(record.value)
        if str(envelope.id) in seen_events:
            duplicates += 1
            continue
        seen_events.add(str(envelope.id))
        first.setdefault(envelope.subject, []).append(envelope.type)
    lifecycle = ("case.filed", "case.decided", "case.closed")
    out_of_order = 0
    for case_id in seen.closed:
        types = [t for t in first.get(case_id, []) if t in lifecycle]
        if types != list(lifecycle):
            out_of_order += 1
    checks.append(Invariant("topic: per-key order filed → decided → closed, each once", 0, out_of_order))
    dead = 0
    for topic in DEAD_LETTER_TOPICS:
        dead += len(await read_topic(bootstrap, topic.name))
    checks.append(Invariant("no dead letters", 0, dead))

    unsent, in_flight = 0, 0
    for name in SERVICES:
        unsent += (await q(name, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"))[0]["n"]
        in_flight += (await q(name, "SELECT count(*) AS n FROM idempotency_keys WHERE state <> 'done'"))[0]["n"]
        # A claim is a transaction-scoped advisory lock: one held by an abandoned transaction would block its key.
        in_flight += (await q(name, ABANDONED_LOCKS))[0]["n"]
    checks.append(Invariant("no unsent outbox rows", 0, unsent))
    checks.append(Invariant("no Idempotency-Key left in flight", 0, in_flight))

    invalid = []
    auditor = auth("auditor", unit=workload.unit)
    async with httpx.AsyncClient(timeout=60) as http:
        for name in SERVICES:
            report = (await http.get(f"{instance.url(name)}/api/v1/audit/verify", headers=auditor)).json()
            if not report.get("valid"):
                invalid.append(name)
        legal = auth("legal_affairs", unit=workload.unit)
        chain = await http.get(
            f"{instance.url('accountability-service')}/api/v1/interference-records/verify", headers=legal
        )
        checks.append(
            Invariant("interference register chain valid (INT-7)", True, chain.json().get("valid", chain.text[:80]))
        )
    checks.append(Invariant("audit chains valid (every service)", [], invalid))
    checks.extend(await stats_recount(instance, chaos, workload))
    return checks


async def recount_from_owners(chaos: Chaos, unit: str, start: date, end: date, on: date) -> dict[str, object]:
    """The statistics of the workload's unit for the period, counted again from the owning
    services' own tables (not from any event): what stats-service's figures must equal.

    The workload's county has no sub-units, so its own rows are its subtree's; the instance is
    fresh, so every officer is the workload's. Who holds a certificate is decided by
    stats-service's own pure rule (``holds_certificate``): what is compared is the data the
    projection built from the events, not the rule."""
    q = chaos._query
    cases = (
        await q(
            "case-service",
            "SELECT count(*) FILTER (WHERE filed_on BETWEEN $2 AND $3) AS filed, "
            "count(*) FILTER (WHERE decided_on BETWEEN $2 AND $3) AS decided, "
            "count(*) FILTER (WHERE closed_on BETWEEN $2 AND $3) AS closed, "
            "coalesce(sum(fine_amount) FILTER (WHERE decided_on BETWEEN $2 AND $3), 0) AS fines "
            "FROM cases WHERE unit_id = $1::uuid",
            unit,
            start,
            end,
        )
    )[0]
    officers = await q(
        "case-service",
        "SELECT id::text AS id, staff_type, certificate_number, certificate_expires_on, restriction "
        "FROM officers WHERE unit_id = $1::uuid",
        unit,
    )
    ours = {o["id"] for o in officers}
    serving = [o for o in officers if stats_rules.is_enforcement_officer(o["staff_type"])]
    holders = sum(
        stats_rules.holds_certificate(
            on,
            staff_type=o["staff_type"],
            certificate_no=o["certificate_number"],
            expires_on=o["certificate_expires_on"],
            qualification_status="active" if o["restriction"] == "none" else o["restriction"],
        )
        for o in serving
    )
    trainings = await q(
        "case-service",
        "SELECT kind, organizer_unit_id::text AS organizer, hours, attendee_ids::text[] AS attendees "
        "FROM trainings WHERE start_date BETWEEN $1 AND $2",
        start,
        end,
    )
    attending = [[a for a in t["attendees"] if a in ours] for t in trainings]
    obligations = await q(
        "review-service",
        "SELECT count(*) AS n FROM obligations WHERE unit_id = $1::uuid AND closed_on BETWEEN $2 AND $3",
        unit,
        start,
        end,
    )
    decisions = await q(
        "tolerance-service",
        "SELECT outcome, count(*) AS n FROM applications WHERE unit_id = $1::uuid AND status = 'decided' "
        "AND decided_on BETWEEN $2 AND $3 GROUP BY outcome",
        unit,
        start,
        end,
    )
    errors = await q(
        "accountability-service",
        "SELECT source, count(*) AS n FROM error_cases WHERE unit_id = $1::uuid AND received_on BETWEEN $2 AND $3 "
        "GROUP BY source",
        unit,
        start,
        end,
    )
    return {
        "cases filed": cases["filed"],
        "cases decided": cases["decided"],
        "cases closed": cases["closed"],
        "fines total": f"{cases['fines']:.2f}",
        "officers (持证率 denominator)": len(serving),
        "certificate holders": holders,
        "trainings attended": sum(1 for a in attending if a),
        "officers trained": len({o for a in attending for o in a}),
        "training hours (人·学时)": f"{sum(t['hours'] * len(a) for t, a in zip(trainings, attending, strict=True)):.2f}",
        "courses held": sum(1 for t in trainings if t["kind"] == "held" and t["organizer"] == unit),
        "self-review obligations": obligations[0]["n"],
        "tolerance decisions by outcome": {r["outcome"]: r["n"] for r in decisions},
        "error cases by source": {r["source"]: r["n"] for r in errors},
    }


async def figures_of_stats(instance: Instance, unit: str, period: str, on: date) -> dict[str, object]:
    """The same figures as stats-service answers them."""
    headers = auth("auditor", unit=unit)
    url = f"{instance.url('stats-service')}/api/v1/stats"
    query = {"unit_id": unit, "period": period}
    async with httpx.AsyncClient(timeout=30) as http:
        answers = {}
        for kind in ("cases", "training", "reviews", "tolerance", "accountability", "certificates"):
            # Certificates on one named day, the recount's (today() read twice may straddle midnight).
            params = {"unit_id": unit, "on": on.isoformat()} if kind == "certificates" else query
            answer = await http.get(f"{url}/{kind}", params=params, headers=headers)
            if answer.status_code != 200:
                raise RuntimeError(f"GET /stats/{kind} answered {answer.status_code}: {answer.text[:300]}")
            answers[kind] = answer.json()
    cases, training = answers["cases"]["totals"], answers["training"]
    return {
        "cases filed": cases["filed"],
        "cases decided": cases["decided"],
        "cases closed": cases["closed"],
        "fines total": f"{Decimal(cases['fines_total']):.2f}",
        "officers (持证率 denominator)": answers["certificates"]["totals"]["officers"],
        "certificate holders": answers["certificates"]["totals"]["holders"],
        "trainings attended": training["trainings_attended"],
        "officers trained": training["officers_trained"],
        "training hours (人·学时)": f"{Decimal(training['training_hours']):.2f}",
        "courses held": training["courses_held"],
        "self-review obligations": answers["reviews"]["obligations"],
        "tolerance decisions by outcome": {k: v for k, v in answers["tolerance"]["decisions_by_outcome"].items() if v},
        "error cases by source": {k: v for k, v in answers["accountability"]["error_cases_by_source"].items() if v},
    }


async def stats_recount(instance: Instance, chaos: Chaos, workload: Workload) -> list[Invariant]:
    """stats-service's figures equal a recount from the owners' data (waiting up to a minute
    for the projection to apply the last events)."""
    on = today()
    start, end, period = date(on.year, 1, 1), date(on.year, 12, 31), str(on.year)
    deadline = time.monotonic() + 60
    while True:
        expected = await recount_from_owners(chaos, workload.unit, start, end, on)
        try:
            observed = await figures_of_stats(instance, workload.unit, period, on)
        except RuntimeError as exc:
            observed = dict.fromkeys(expected, str(exc))
            log(str(exc))
        if expected == observed or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    return [Invariant(f"stats = recount: {name}", expected[name], observed[name]) for name in expected]


# --- the run ---------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    # SIGTERM stops the run as Ctrl-C does: the instance is torn down below, whatever happens.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    rng = random.Random(args.seed)
    logs = ROOT / ".run" / "chaos" / "logs"
    instance = Instance(logs)
    stats, seen = ClientStats(), Seen()
    started = time.monotonic()
    try:
        await asyncio.to_thread(instance.up)
        for name in SERVICES:
            instance.start(name)
        await asyncio.gather(*(wait_ready(instance.url(name)) for name in SERVICES))
        log(f"{len(SERVICES)} services ready in {time.monotonic() - started:.0f} s")
        client = Client(instance, stats)
        workload = Workload(client, seen, rng)
        chaos = Chaos(instance, seen, workload)
        await workload.setup()
        workers = [asyncio.create_task(workload.worker(i)) for i in range(args.workers)]

        rounds = 2 if args.long else 1
        faults = []
        for _ in range(rounds):
            plan = [("kill", name) for name in SERVICES] + [("kafka", None), ("postgres", None)]
            rng.shuffle(plan)
            faults.extend(plan)
        # A second instance of each of two consumers joins mid-stream and later leaves: review-service
        # (obligations) and stats-service (the projection, whose rebuild job is advisory-locked too).
        for name in ("review-service", "stats-service"):
            join_at = rng.randrange(1, len(faults))
            faults.insert(join_at, ("join", name))
            faults.insert(rng.randrange(join_at + 1, len(faults) + 1), ("leave", name))
        names = ", ".join(f"{kind} {name}" if name else kind for kind, name in faults)
        log(f"seed {args.seed}: {len(faults)} faults: {names}")
        await asyncio.sleep(args.warmup)
        for kind, name in faults:
            if kind == "kill":
                await chaos.kill(name)
            elif kind == "kafka":
                await chaos.kafka(rng.uniform(3, 6))
            elif kind == "postgres":
                await chaos.postgres()
            elif kind == "join":
                await chaos.second_consumer(name)
            else:
                await chaos.second_consumer_leaves(name)
            await asyncio.sleep(rng.uniform(args.gap / 2, args.gap))

        workload.stopping.set()
        await asyncio.gather(*workers)
        log("workload stopped; letting the platform settle")
        settle = time.monotonic()
        await chaos.downstream_caught_up(time.monotonic(), timeout=120)
        await chaos.outbox_drained(time.monotonic(), time.time(), timeout=120)
        log(f"settled in {time.monotonic() - settle:.1f} s")
        checks = await invariants(instance, chaos, seen, workload, stats)
        report(args, checks, chaos.recoveries, seen, stats, time.monotonic() - started)
        return 0 if all(c.ok for c in checks) else 1
    finally:
        await asyncio.to_thread(instance.down)


def report(
    args, checks: list[Invariant], recoveries: list[Recovery], seen: Seen, stats: ClientStats, total: float
) -> None:
    form = "long" if args.long else "short"
    print()
    print(
        f"make chaos ({form} form, seed {args.seed}, {args.workers} workers): {len(seen.filings)} cases filed, "
        f"{len(seen.closed)} closed, {len(seen.revoked)} revoked, {len(seen.interference)} interference records, "
        f"{len(seen.decided)} tolerance decisions, {len(seen.trainings)} trainings, "
        f"{len(seen.officers)} officers registered; {total:.0f} s"
    )
    print("client retries: " + (", ".join(f"{k} ×{v}" for k, v in stats.retries.most_common()) or "none"))
    print()
    print(f"| {'invariant':<80} | {'expected':>10} | {'observed':>10} | ok |")
    print(f"|{'-' * 82}|{'-' * 12}|{'-' * 12}|----|")
    for check in checks:
        print(
            f"| {check.name:<80} | {check.expected!s:>10} | {str(check.observed)[:60]:>10} | {'✔' if check.ok else '✘'}  |"
        )
    print()
    print(f"| {'fault':<38} | {'fault s':>7} | {'API OK':>8} | {'outbox':>8} | {'downstream':>10} | targets |")
    print(f"|{'-' * 40}|{'-' * 9}|{'-' * 10}|{'-' * 10}|{'-' * 12}|---------|")
    for r in recoveries:
        met = (r.api_s is not None and r.api_s <= API_TARGET_S) and (
            r.downstream_s is not None
            and r.downstream_s <= DOWNSTREAM_TARGET_S
            and r.outbox_s is not None
            and r.outbox_s <= DOWNSTREAM_TARGET_S
        )
        print(
            f"| {r.fault:<38} | {r.down_s:>7.1f} | {_s(r.api_s):>8} | {_s(r.outbox_s):>8} | {_s(r.downstream_s):>10} | {'met' if met else 'MISSED':>7} | {r.note}"
        )
    print()
    print("verdict: " + ("all invariants hold" if all(c.ok for c in checks) else "INVARIANTS FAILED"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--long", action="store_true", help="every fault twice, more workers")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--gap", type=float, default=None, help="seconds between faults (at most)")
    parser.add_argument("--warmup", type=float, default=3.0)
    args = parser.parse_args()
    args.workers = args.workers or (6 if args.long else 4)
    args.gap = args.gap or (5.0 if args.long else 3.0)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
