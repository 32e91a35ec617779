"""Background work of a service process — outbox relay, consumers, deadline scanners —
started in the app's lifespan and stopped, gracefully, when the app shuts down."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

__all__ = ["BackgroundWorkers", "ConsumerSpec", "Periodic", "PeriodicJob"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer a service declares to the app factory (``consumers=``).

    The factory makes a :class:`~enforcement_common.events.consumer.ConsumerRunner` reading
    ``topics`` (as consumer group ``group_id``, by default the service's name), lets
    ``register(runner, settings)`` add the handlers, and runs it for the app's lifetime.
    """

    name: str
    topics: Sequence[str]
    register: Callable[[Any, Any], None]
    group_id: str | None = None


@dataclass(frozen=True)
class PeriodicJob:
    """A job a service declares to the app factory (``periodic=``): ``run(app)`` every
    ``interval`` seconds — a number, or a function of the settings. The job owns its
    transactions (it is an entry point, like a route or a consumer)."""

    name: str
    interval: float | Callable[[Any], float]
    run: Callable[[Any], Awaitable[Any]]

    def interval_for(self, settings: Any) -> float:
        return self.interval(settings) if callable(self.interval) else float(self.interval)


class BackgroundWorkers:
    def __init__(self) -> None:
        self._running: list[tuple[str, asyncio.Task, Callable[[], None]]] = []

    def start(self, name: str, run: Coroutine[Any, Any, None], stop: Callable[[], None]) -> None:
        """Run ``run`` as a task; ``stop`` asks it to finish (it must then return soon)."""
        task = asyncio.create_task(run, name=name)
        task.add_done_callback(self._report)
        self._running.append((name, task, stop))

    @staticmethod
    def _report(task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("background_worker_crashed", worker=task.get_name(), error=repr(task.exception()))

    async def stop_all(self, timeout: float = 15.0) -> None:
        for _, _, stop in self._running:
            stop()
        tasks = [task for _, task, _ in self._running]
        _done, pending = await asyncio.wait(tasks, timeout=timeout) if tasks else (set(), set())
        for task in pending:  # did not finish in time: cancel (at-least-once delivery covers it)
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._running.clear()


class Periodic:
    """Runs ``job`` every ``interval`` seconds until stopped; a failure is logged, not fatal."""

    def __init__(self, name: str, interval: float, job: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        self.name = name
        self.interval = interval
        self.job = job
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.job()
            except Exception as exc:
                log.warning("periodic_job_failed", job=self.name, error=repr(exc))
            try:
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            except TimeoutError:
                pass

    def stop(self) -> None:
        self._stopping.set()
