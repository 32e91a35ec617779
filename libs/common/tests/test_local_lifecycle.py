"""`make test` and `make run` as a developer or a CI job starts and stops them, for real,
on a copy of this checkout (its own instance: own ports, own `.run/`, own virtualenv):

- the copy sits under a folder only its owner may enter (mode 700, like root's home or a
  `mktemp -d` folder): PostgreSQL's own user cannot reach it, so the cluster's data must
  live elsewhere, and the scripts must say where;
- SIGINT and SIGTERM, sent to the `make` process alone or to its whole process group,
  once PostgreSQL and Kafka are up and pytest (or the five services) run: `make` ends
  within a bounded time and nothing of the instance is left running.

These run inside a `make test` run: the copies never touch the outer test instance
(other ports, other folders) and clean up after themselves, even when the outer run is
itself stopped with SIGTERM.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from enforcement_common.testing.infra import repo_root

SERVICE_PREFIXES = ("CASE", "TOLERANCE", "REVIEW", "ACCOUNTABILITY", "STATS")
STOP_WITHIN = 60  # seconds from the signal to make's exit, teardown included
SLEEPER = """\
import os, pathlib, time

def test_sleeps_until_stopped():
    pathlib.Path(os.environ["SLEEPER_MARKER"]).write_text(str(os.getpid()))
    time.sleep(150)  # bounded: even a copy left behind ends by itself
"""


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int, taken: set[int]) -> list[int]:
    """``count`` consecutive free ports below the ephemeral range, none in ``taken``."""
    for _ in range(200):
        first = random.randrange(30000, 32700 - count)
        ports = list(range(first, first + count))
        if not taken.intersection(ports) and all(port_is_free(p) for p in ports):
            taken.update(ports)
            return ports
    raise RuntimeError("no free ports")


@dataclass
class Copy:
    """A copy of this checkout under a mode-700 folder, with its own virtualenv."""

    root: Path
    env: dict[str, str]

    def infra(self, instance: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.root / "deploy/local/infra.sh"), *args],
            cwd=self.root,
            env={**self.env, "INSTANCE": instance},
            capture_output=True,
            text=True,
            timeout=180,
            check=check,
        )

    @property
    def shared_dir(self) -> Path:
        """Where pg.sh keeps the copy's clusters when their OS user cannot reach the copy (lib.sh)."""
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:16]
        return Path(self.env.get("PG_SHARED_ROOT", "/var/lib/enforcement-pg")) / digest

    def processes(self) -> list[str]:
        """Command lines of every process that names this copy or its cluster folder."""
        patterns = [str(self.root), f"{self.shared_dir}/"]
        found = set()
        for pattern in patterns:
            out = subprocess.run(["pgrep", "-af", "--", pattern], capture_output=True, text=True).stdout
            found.update(line for line in out.splitlines() if line.strip())
        return sorted(found)

    def leftovers(self) -> str:
        """What `infra.sh check-clean` reports for the copy's two instances ("" when nothing)."""
        report = []
        for instance in ("test", "dev"):
            result = self.infra(instance, "check-clean", check=False)
            if result.returncode != 0:
                report.append(result.stderr)
        return "\n".join(report)

    def stop_everything(self) -> None:
        """Last resort after a failed test: the copy's instances down, its processes killed."""
        for instance in ("test", "dev"):
            self.infra(instance, "down", check=False)
        for line in self.processes():
            pid = int(line.split()[0])
            if pid != os.getpid():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def clean_environment() -> dict[str, str]:
    """This process's environment without what the outer `make test` set for its own instance."""
    env = dict(os.environ)
    for name in list(env):
        if (
            name.endswith("_DATABASE_URL")
            or name.startswith(("ENFORCEMENT_", "MAKE", "PYTEST_"))
            or name in {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "INSTANCE", "SERVICE", "PYTEST_ARGS", "MFLAGS"}
            or name in {"PG_PORT", "KAFKA_PORT", "TEST_PG_PORT", "TEST_KAFKA_PORT", "VIRTUAL_ENV"}
            or name in {f"{prefix}_PORT" for prefix in SERVICE_PREFIXES}
        ):
            del env[name]
    return env


@pytest.fixture(scope="module")
def copy() -> Iterator[Copy]:
    source = repo_root()
    parent = Path(tempfile.mkdtemp(prefix="enforcement-lifecycle-"))
    parent.chmod(0o700)
    root = parent / "platform"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=source, capture_output=True
    )
    if listed.returncode == 0:  # the working tree as it is, without what git ignores (.venv, .run …)
        for name in filter(None, listed.stdout.split(b"\0")):
            relative = Path(os.fsdecode(name))
            if (source / relative).is_file():
                (root / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / relative, root / relative)
    else:  # not a git checkout
        ignored = shutil.ignore_patterns(".git", ".venv", ".run", "__pycache__", ".pytest_cache", ".hypothesis")
        shutil.copytree(source, root, ignore=ignored, symlinks=True)
    (root / "nested").mkdir()
    (root / "nested" / "test_sleeper.py").write_text(SLEEPER)

    env = clean_environment()
    # This checkout's uv (bootstrap's own copy), so the copy does not install it again.
    uv_dir = source / ".run" / "tools" / "bin"
    if (uv_dir / "uv").exists():
        env["PATH"] = f"{uv_dir}{os.pathsep}{env['PATH']}"
    env["PG_FSYNC"] = "off"
    # The scripts' own heap (KAFKA_HEAP's default): at 256m a restarted broker's log loading
    # ran out of heap now and then ("Error starting LogManager": OutOfMemoryError).
    taken: set[int] = set()
    env["TEST_PG_PORT"], env["PG_PORT"] = (str(p) for p in free_ports(2, taken))
    env["TEST_KAFKA_PORT"] = str(free_ports(2, taken)[0])
    env["KAFKA_PORT"] = str(free_ports(2, taken)[0])
    for prefix, port in zip(SERVICE_PREFIXES, free_ports(5, taken), strict=True):
        env[f"{prefix}_PORT"] = str(port)
    subprocess.run([str(root / "deploy/local/bootstrap.sh")], cwd=root, env=env, check=True, timeout=600)
    made = Copy(root, env)
    try:
        yield made
    finally:
        made.stop_everything()
        for instance in ("test", "dev"):
            made.infra(instance, "clean", check=False)
        shutil.rmtree(parent, ignore_errors=True)


# --- item 11: from a folder PostgreSQL's user cannot enter ------------------------------


def test_test_instance_is_provisioned_from_a_closed_folder_and_leaves_nothing(copy: Copy) -> None:
    shared_dir = copy.shared_dir / "test"
    up = copy.infra("test", "up", "--fresh", check=False)
    try:
        assert up.returncode == 0, up.stderr
        status = copy.infra("test", "status", check=False)
        assert status.returncode == 0, status.stdout + status.stderr
        if os.geteuid() == 0:
            # The cluster's owner (enforcement-pg) cannot reach the copy: its data is kept
            # outside, the scripts say where, and .run/test/pg leads there.
            assert f"the test cluster's data is in {shared_dir}" in up.stderr, up.stderr
            assert f"data {shared_dir}/data" in status.stdout, status.stdout
            assert (copy.root / ".run/test/pg").resolve() == shared_dir
            assert (shared_dir.parent / "clone").read_text().strip() == str(copy.root)
        else:
            assert f"data {copy.root}/.run/test/pg/data" in status.stdout, status.stdout
        # A trivial check: the server answers, and its databases were created.
        databases = subprocess.run(
            [
                "psql",
                f"postgresql://enforcement:enforcement@127.0.0.1:{copy.env['TEST_PG_PORT']}/postgres",
                "-qAtXc",
                "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname LIKE '%_test'",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
        assert databases.split(",") == sorted(
            f"{s}_service_test" for s in ("accountability", "case", "review", "stats", "tolerance")
        )
        # While it runs, the leftover check sees the cluster outside the copy too.
        assert copy.infra("test", "check-clean", check=False).returncode == 1
    finally:
        down = copy.infra("test", "down", check=False)
    assert down.returncode == 0, down.stderr
    clean = copy.infra("test", "check-clean", check=False)
    assert clean.returncode == 0, clean.stderr
    assert copy.processes() == []

    copy.infra("test", "clean")
    assert not shared_dir.exists() and not shared_dir.parent.exists()
    assert not (copy.root / ".run/test").exists()


# --- item 10: however make is stopped -------------------------------------------------


@contextmanager
def stopped_on_sigterm() -> Iterator[None]:
    """If this test's own `make test` is stopped (SIGTERM to pytest), still clean up the copy."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def start_make(copy: Copy, target: str, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    """`make <target>` in a session of its own, as a terminal or a CI runner starts it:
    make leads its process group, SIGINT is not ignored."""

    def child() -> None:
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    with log.open("wb") as out:
        return subprocess.Popen(
            ["make", target],
            cwd=copy.root,
            env={**copy.env, **extra},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=child,
        )


def wait_for(predicate, timeout: float, what: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            raise AssertionError(f"make ended ({process.returncode}) before {what}:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    raise AssertionError(f"{what} not within {timeout} s:\n{log.read_text()[-3000:]}")


def stop_and_check(copy: Copy, process: subprocess.Popen[bytes], signum: int, target: str, log: Path) -> None:
    sent = time.monotonic()
    if target == "make":
        os.kill(process.pid, signum)
    else:
        os.killpg(process.pid, signum)
    try:
        process.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"make still running {STOP_WITHIN} s after {signal.Signals(signum).name} to {target}:\n"
            + "\n".join(copy.processes())
            + "\n"
            + log.read_text()[-3000:]
        ) from None
    took = time.monotonic() - sent
    # The scripts' teardown has run by the time make is gone: nothing of the copy remains.
    deadline = time.monotonic() + 5
    while copy.processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert copy.leftovers() == "", log.read_text()[-3000:]
    assert copy.processes() == [], log.read_text()[-3000:]
    assert process.returncode != 0
    print(f"{signal.Signals(signum).name} to {target}: make ended after {took:.1f} s, nothing left")


def end(process: subprocess.Popen[bytes]) -> None:
    """A make still running after a failure: its group stopped (teardown given time), then killed."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


SIGNALS = [
    pytest.param(signal.SIGTERM, "make", id="SIGTERM-to-make"),
    pytest.param(signal.SIGINT, "make", id="SIGINT-to-make"),
    pytest.param(signal.SIGTERM, "group", id="SIGTERM-to-group"),
    pytest.param(signal.SIGINT, "group", id="SIGINT-to-group"),
]


@pytest.mark.timeout(240)
@pytest.mark.parametrize(("signum", "target"), SIGNALS)
def test_make_test_stopped_leaves_nothing(copy: Copy, tmp_path: Path, signum: int, target: str) -> None:
    marker = tmp_path / "sleeper.pid"
    log = tmp_path / "make-test.log"
    with stopped_on_sigterm():
        process = start_make(
            copy, "test", log, PYTEST_ARGS="-p no:cacheprovider nested/test_sleeper.py", SLEEPER_MARKER=str(marker)
        )
        try:
            # PostgreSQL and Kafka are up and pytest runs the (sleeping) test.
            wait_for(marker.exists, 180, "pytest running", process, log)
            assert copy.infra("test", "status", check=False).returncode == 0
            stop_and_check(copy, process, signum, target, log)
            assert "make test finished" in log.read_text()
        finally:
            end(process)
            copy.stop_everything()


@pytest.mark.timeout(240)
@pytest.mark.parametrize(("signum", "target"), SIGNALS)
def test_make_run_stopped_leaves_nothing(copy: Copy, tmp_path: Path, signum: int, target: str) -> None:
    log = tmp_path / "make-run.log"
    pids_file = copy.root / ".run/dev/services.pids"
    with stopped_on_sigterm():
        # As a developer runs it again: the dev cluster kept (migrated) by an earlier case.
        process = start_make(copy, "run", log)
        try:
            # PostgreSQL and Kafka are up, the services migrated and started.
            wait_for(
                lambda: pids_file.exists() and len(pids_file.read_text().split()) == 5,
                180,
                "five services started",
                process,
                log,
            )
            assert copy.infra("dev", "status", check=False).returncode == 0
            stop_and_check(copy, process, signum, target, log)
            assert "stopping services" in log.read_text()
        finally:
            end(process)
            copy.stop_everything()
