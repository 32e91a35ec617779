"""Where the test instance's servers are, and control of its Kafka broker and PostgreSQL server."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from enforcement_common.config import BaseServiceSettings

TEST_PG_PORT = 25433
TEST_KAFKA_BOOTSTRAP = "127.0.0.1:29192"


def repo_root() -> Path:
    if os.environ.get("ENFORCEMENT_REPO_ROOT"):
        return Path(os.environ["ENFORCEMENT_REPO_ROOT"])
    for candidate in (Path.cwd(), *Path.cwd().parents, *Path(__file__).resolve().parents):
        if (candidate / "deploy" / "local" / "infra.sh").exists():
            return candidate
    raise RuntimeError("cannot find the repository root (deploy/local/infra.sh); set ENFORCEMENT_REPO_ROOT")


def kafka_bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or TEST_KAFKA_BOOTSTRAP


def admin_database_url() -> str:
    """libpq URL of the test server's maintenance database (for asyncpg directly)."""
    return database_url_for("postgres").replace("postgresql+asyncpg://", "postgresql://")


def database_url_for(database: str) -> str:
    """SQLAlchemy URL of a database on the test server (``<name>_test`` for services)."""
    base = os.environ.get("CASE_DATABASE_URL")
    if base:
        return base.rsplit("/", 1)[0] + "/" + database
    return f"postgresql+asyncpg://enforcement:enforcement@127.0.0.1:{TEST_PG_PORT}/{database}"


async def create_scratch_database() -> tuple[str, str]:
    """A new, empty database on the test server: (name, libpq URL)."""
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_database_url())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name, admin_database_url().rsplit("/", 1)[0] + "/" + name


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(admin_database_url())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def terminate_connections(database_url: str) -> int:
    """Kill every other connection to the database (what a restart does to pooled ones);
    returns how many there were."""
    admin = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return await admin.fetchval(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t"
        )
    finally:
        await admin.close()


@asynccontextmanager
async def migrated_scratch_database(package: str | Path) -> AsyncIterator[str]:
    """A database of its own at the head of ``package``'s migrations (a service package's
    name, or an Alembic folder); its asyncpg URL.

    A copy of the session's template (migrated once, see
    :mod:`enforcement_common.testing.databases`), dropped afterwards."""
    from enforcement_common.testing.databases import database_from_template

    async with database_from_template(package) as url:
        yield url


def settings_for_tests(settings_class: type[BaseServiceSettings], **overrides: object) -> BaseServiceSettings:
    """A service's settings pointing at its test database and the test broker."""
    values: dict[str, object] = {
        "database_url": database_url_for(f"{settings_class.default_database}_test"),
        "kafka_bootstrap_servers": kafka_bootstrap(),
    }
    values.update(overrides)
    return settings_class(**values)


@dataclass
class BrokerControl:
    """Stops and starts the repo-managed test broker (deploy/local/kafka.sh), for outage tests."""

    root: Path

    def _run(self, action: str) -> None:
        if os.environ.get("ENFORCEMENT_KAFKA_MANAGED", "1") != "1":
            raise RuntimeError("KAFKA_BOOTSTRAP_SERVERS names an external broker; tests cannot stop it")
        env = {**os.environ, "INSTANCE": "test"}
        env.pop("KAFKA_BOOTSTRAP_SERVERS", None)  # kafka.sh must act on its own broker
        subprocess.run([str(self.root / "deploy/local/kafka.sh"), action], check=True, env=env, timeout=180)

    def stop(self) -> None:
        self._run("stop")

    def start(self) -> None:
        """Start the broker again and return once it answers."""
        self._run("start")


@dataclass
class PgControl:
    """Stops and starts the repo-managed test PostgreSQL server (deploy/local/pg.sh), for
    outage tests: ``stop`` is a fast shutdown (sessions terminated, as an operator's restart
    does), ``start`` returns once the server accepts connections."""

    root: Path
    instance: str = "test"

    def _run(self, action: str) -> None:
        if os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL names an external PostgreSQL; tests cannot stop it")
        env = {**os.environ, "INSTANCE": self.instance}
        subprocess.run(
            [str(self.root / "deploy/local/pg.sh"), action],
            check=True,
            env=env,
            timeout=180,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        self._run("down")

    def start(self) -> None:
        """Start the server again (its databases kept) and return once it answers."""
        self._run("up")

    def restart(self) -> None:
        self.stop()
        self.start()
