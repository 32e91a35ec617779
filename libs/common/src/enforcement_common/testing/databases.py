"""Fast, isolated test databases: migrate once per session into a template, copy it per test.

Running a service's whole Alembic chain for every test costs more than most tests
themselves. Instead the chain runs once per pytest session (per migrations folder) into a
*template* database; each test gets ``CREATE DATABASE <new> TEMPLATE <template>`` — a file
level copy, with real commits, real constraints and real triggers — and drops it
``WITH (FORCE)`` afterwards.

A database being copied must have no other connection: a template is never served to a
test itself, the migration's engine is gone before the first copy, and the template is
then closed to connections (``ALLOW_CONNECTIONS false``), so nothing can open one by
mistake. A *seeded* template (:func:`seeded_template`) is a copy of a migrated template
in which a seed function has run (through the real application), closed the same way: an
expensive world is built once and each test that needs it gets its own copy.

Templates are dropped when the session ends (:func:`drop_templates`, called by the pytest
plugin ``enforcement_common.testing.fixtures`` and at interpreter exit); ``make test``
starts a fresh cluster every run anyway.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import os
import re
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from enforcement_common.testing.infra import admin_database_url

T = TypeVar("T")

_lock = threading.Lock()
_key_locks: dict[str, threading.Lock] = {}
#: key -> (template name, whatever the seed returned)
_templates: dict[str, tuple[str, Any]] = {}


def libpq_url(database: str) -> str:
    """libpq URL of ``database`` on the test server."""
    return admin_database_url().rsplit("/", 1)[0] + "/" + database


def asyncpg_url(database: str) -> str:
    """SQLAlchemy (asyncpg driver) URL of ``database`` on the test server."""
    return libpq_url(database).replace("postgresql://", "postgresql+asyncpg://", 1)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:24] or "db"


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(admin_database_url())
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _close_to_connections(name: str) -> None:
    connection = await asyncpg.connect(admin_database_url())
    try:
        await connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        # Whatever is still connected (a pool not yet closed) would make every copy fail.
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await connection.close()


def _once(key: str, build: Callable[[], tuple[str, Any]]) -> tuple[str, Any]:
    """Build the template of ``key`` once per process (thread-safe; tests of every event
    loop share it)."""
    with _lock:
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:
        if key not in _templates:
            _templates[key] = build()
        return _templates[key]


def template_for(migrations_root: str | Path) -> str:
    """Name of the template holding ``migrations_root``'s schema at head — a service
    package's name (``"case_service"``) or an Alembic folder — built on first use in this
    process. Blocking: call it from a thread in async code (:func:`database_from_template` does)."""
    from enforcement_common.migrations import migrations_folder, upgrade

    root = migrations_folder(migrations_root).resolve()
    key = f"migrated:{root}"

    def build() -> tuple[str, None]:
        digest = hashlib.sha1(str(root).encode()).hexdigest()[:6]
        name = f"tmpl_{_slug(root.name)}_{digest}_{uuid.uuid4().hex[:8]}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        try:
            upgrade(root, asyncpg_url(name))
            asyncio.run(_close_to_connections(name))
        except BaseException:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            raise
        return name, None

    return _once(key, build)[0]


def seeded_template(migrations_root: str | Path, key: str, seed: Callable[[str], Awaitable[T]]) -> tuple[str, T]:
    """A template copied from ``migrations_root``'s template in which ``seed(database_url)``
    ran once (its asyncpg URL; the seed runs on an event loop of its own and must close
    every connection it opened). Returns the template's name and what ``seed`` returned,
    the same for every caller of ``key`` in this process. Blocking, like :func:`template_for`."""
    from enforcement_common.migrations import migrations_folder

    root = migrations_folder(migrations_root).resolve()

    def build() -> tuple[str, T]:
        base = template_for(root)
        name = f"tmpl_{_slug(key)}_{uuid.uuid4().hex[:8]}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{base}"'))
        try:
            result = asyncio.run(seed(asyncpg_url(name)))
            asyncio.run(_close_to_connections(name))
        except BaseException:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            raise
        return name, result

    return _once(f"seeded:{root}:{key}", build)


async def copy_database(template: str, prefix: str = "test") -> str:
    """A new database copied from ``template`` now; returns its name."""
    name = f"{_slug(prefix)}_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


async def drop_database(name: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Spares:
    """Copying a template costs a few hundred milliseconds (the catalogs alone are 8 MB), most
    of it the server writing and flushing: it is done off the tests' critical path. When a
    test takes a copy, the next copy of that template is made in a background thread while
    the test runs; a test's database is dropped in that thread too, right after the test.
    One thread, so the server sees one such statement at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executor: ThreadPoolExecutor | None = None
        self.ahead: dict[str, Future[str]] = {}  # template -> its next copy, being made
        self.drops: list[Future[None]] = []

    def _submit(self, work: Callable[[], Any]) -> Future:
        if self.executor is None:
            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-databases")
        return self.executor.submit(work)

    def take(self, template: str) -> Future[str]:
        """A copy of ``template`` (the one made ahead, else one made now); the next is started."""
        with self.lock:
            ready = self.ahead.pop(template, None) or self._submit(lambda: asyncio.run(copy_database(template)))
            self.ahead[template] = self._submit(lambda: asyncio.run(copy_database(template)))
            return ready

    def drop(self, name: str) -> Future[None]:
        with self.lock:
            self.drops = [f for f in self.drops if not f.done()]
            future = self._submit(lambda: asyncio.run(drop_database(name)))
            self.drops.append(future)
            return future

    def close(self) -> list[str]:
        """Wait for the background work; the names of the copies made ahead and never taken."""
        with self.lock:
            executor, self.executor = self.executor, None
            ahead, self.ahead = list(self.ahead.values()), {}
        if executor is None:
            return []
        executor.shutdown(wait=True)
        return [future.result() for future in ahead if future.exception() is None]


_spares = _Spares()


def take_copy(template: str) -> str:
    """A copy of ``template`` of the caller's own (made ahead when possible); blocking.
    Give it back with :func:`drop_later`."""
    return _spares.take(template).result()


def drop_later(name: str) -> None:
    """Drop ``name`` ``WITH (FORCE)`` in the background (the session waits for it at its end)."""
    _spares.drop(name)


def wait_for_drops() -> None:
    """Block until every database given to :func:`drop_later` so far is dropped."""
    with _spares.lock:
        pending = list(_spares.drops)
    for future in pending:
        future.result()


@asynccontextmanager
async def database_from_template(migrations_root: str | Path) -> AsyncIterator[str]:
    """A database of its own at ``migrations_root``'s head, copied from the session's
    template; yields its asyncpg URL and drops it afterwards."""
    template = await asyncio.to_thread(template_for, migrations_root)
    async with database_copied_from(template) as url:
        yield url


@asynccontextmanager
async def database_copied_from(template: str) -> AsyncIterator[str]:
    """A copy of ``template`` (e.g. a :func:`seeded_template`) of the caller's own; yields its
    asyncpg URL. The copy was made ahead when possible; it is dropped ``WITH (FORCE)`` when
    the block ends (in the background: the caller does not wait for it)."""
    name = await asyncio.wrap_future(_spares.take(template))
    try:
        yield asyncpg_url(name)
    finally:
        _spares.drop(name)


def drop_templates() -> None:
    """End of the session: wait for the background copies and drops, drop the copies made
    ahead and never used, then every template this process created."""
    unused = _spares.close()
    with _lock:
        names = [name for name, _ in _templates.values()]
        _templates.clear()
    if not names and not unused:
        return

    async def drop_all() -> None:
        for name in [*unused, *reversed(names)]:  # seeded templates before the ones they came from
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def run() -> None:
        try:
            asyncio.run(drop_all())
        except Exception as exc:  # the server may already be gone at interpreter exit
            if os.environ.get("ENFORCEMENT_TEST_DEBUG"):
                print(f"could not drop test databases {unused + names}: {exc!r}")

    worker = threading.Thread(target=run)  # from a thread: the caller may be inside an event loop
    worker.start()
    worker.join(timeout=120)


atexit.register(drop_templates)
