"""The services ship as wheels that carry their migrations: each service's wheel holds
``alembic.ini``, ``migrations/env.py``, ``script.py.mako`` and every revision, and
case-service's wheel, installed without ``-e`` into a fresh virtual environment with
libs/common's wheel and the locked dependencies, migrates a database on the test
PostgreSQL with its own console command (what the Docker image and the k8s init
container run), from a folder that has nothing of the source tree."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from enforcement_common.migrations import MIGRATION_LOCK_KEY, alembic_config
from enforcement_common.testing.infra import create_scratch_database, drop_database, repo_root

SERVICES = ("case", "tolerance", "review", "accountability", "stats")


def uv() -> str:
    """The uv that deploy/local/bootstrap.sh installed (on PATH, or into .run/tools)."""
    found = shutil.which("uv") or str(repo_root() / ".run/tools/bin/uv")
    assert Path(found).exists(), "uv is missing: run deploy/local/bootstrap.sh (make bootstrap)"
    return found


def run(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """libs/common's and the five services' wheels, built with ``uv build``."""
    out = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    for package in ("enforcement-common", *(f"{name}-service" for name in SERVICES)):
        run(uv(), "build", "--quiet", "--wheel", "--package", package, "--out-dir", str(out), cwd=repo_root(), env=env)
    yield out


def wheel_of(wheels: Path, distribution: str) -> Path:
    (found,) = wheels.glob(f"{distribution}-*.whl")
    return found


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_wheel_carries_its_migrations(wheels: Path, name: str) -> None:
    package = f"{name}_service"
    source = repo_root() / "services" / f"{name}-service" / "src" / package
    expected = {f"{package}/alembic.ini", f"{package}/migrations/env.py", f"{package}/migrations/script.py.mako"}
    expected |= {f"{package}/migrations/versions/{path.name}" for path in (source / "migrations/versions").glob("*.py")}
    with zipfile.ZipFile(wheel_of(wheels, package)) as wheel:
        assert expected <= set(wheel.namelist())
    assert len(expected) > 4, "every service has revisions"


def test_case_service_wheel_installed_without_editable_migrates_a_database(wheels: Path, tmp_path: Path) -> None:
    root = repo_root()
    venv = tmp_path / "venv"
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    run(uv(), "venv", "--quiet", "--python", sys.executable, str(venv), cwd=tmp_path, env=env)
    # The locked versions of the third-party dependencies, then the two wheels on top.
    requirements = tmp_path / "requirements.txt"
    run(
        uv(), "export", "--frozen", "--package", "case-service", "--no-dev", "--no-emit-workspace",
        "--no-hashes", "--no-header", "--no-annotate", "--quiet", "--output-file", str(requirements),
        cwd=root, env=env,
    )  # fmt: skip
    python = str(venv / "bin/python")
    run(
        uv(), "pip", "install", "--quiet", "--python", python, "--no-deps", "-r", str(requirements),
        str(wheel_of(wheels, "enforcement_common")), str(wheel_of(wheels, "case_service")),
        cwd=tmp_path, env=env,
    )  # fmt: skip
    run(uv(), "pip", "check", "--quiet", "--python", python, cwd=tmp_path, env=env)

    # Nothing of the source tree is reachable from the new environment.
    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    where = run(python, "-c", "import case_service, enforcement_common as c; print(case_service.__file__, c.__file__)", cwd=tmp_path, env=clean)  # fmt: skip
    site_packages = str(venv / "lib")
    assert all(path.startswith(site_packages) for path in where.split()), where
    assert not any(str(root) in path.read_text() for path in venv.rglob("*.pth")), "an editable install"

    name, url = asyncio.run(create_scratch_database())
    try:
        for _ in range(2):  # the second run finds the database at head and changes nothing
            run(str(venv / "bin/case-service"), "migrate", cwd=tmp_path, env={**clean, "CASE_DATABASE_URL": url})
        head = ScriptDirectory.from_config(alembic_config("case_service", url)).get_current_head()
        version, tables = asyncio.run(_schema(url))
    finally:
        asyncio.run(drop_database(name))
    assert version == [head]
    assert {"cases", "officers", "units", "outbox", "inbox", "audit_log"} <= tables, tables


async def _schema(url: str) -> tuple[list[str], set[str]]:
    connection = await asyncpg.connect(url)
    try:
        versions = [row["version_num"] for row in await connection.fetch("SELECT version_num FROM alembic_version")]
        tables = {
            row["tablename"]
            for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        return versions, tables
    finally:
        await connection.close()


def test_replicas_migrating_at_the_same_moment_all_succeed() -> None:
    """Each replica's init container (deploy/k8s) runs ``migrate`` when its pod starts. Two
    are held at the migration lock and let go together: one migrates, the other waits
    for it and finds the schema at head (without the lock, both would create the tables)."""
    asyncio.run(_replicas_released_together())


async def _replicas_released_together() -> None:
    name, url = await create_scratch_database()
    try:
        holder = await asyncpg.connect(url)
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        command = [str(Path(sys.executable).parent / "case-service"), "migrate"]
        env = {**os.environ, "CASE_DATABASE_URL": url}
        replicas = [
            await asyncio.create_subprocess_exec(*command, env=env, stderr=asyncio.subprocess.PIPE) for _ in range(2)
        ]
        waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        for _ in range(600):
            if await holder.fetchval(waiting) == 2:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the two `migrate` processes never waited for the migration lock")
        await holder.close()  # both go at once
        outcomes = [((await replica.communicate())[1].decode(), replica.returncode) for replica in replicas]
        assert [code for _, code in outcomes] == [0, 0], [err[-2000:] for err, code in outcomes if code]
        head = ScriptDirectory.from_config(alembic_config("case_service", url)).get_current_head()
        version, tables = await _schema(url)
        assert version == [head] and "cases" in tables
    finally:
        await drop_database(name)
