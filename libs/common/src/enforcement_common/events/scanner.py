"""Deadline scanners: emit exactly one ``*.overdue`` event per item that falls due.

A scanner is declared by a query of the items due at a moment and a function that,
for one locked item, marks it (so the query no longer returns it) and returns the
event(s) to emit. Each round locks a batch ``FOR UPDATE SKIP LOCKED`` — replicas
scanning at once take disjoint items — and commits the marks and the outbox rows
together, so an item's event is emitted once even across crashes and replicas.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from enforcement_common.calendar import local_date
from enforcement_common.contracts import EventData
from enforcement_common.events.outbox import add_event
from enforcement_common.events.workers import Periodic

__all__ = ["DeadlineScanner", "OverdueScanner"]

log = structlog.get_logger(__name__)


@dataclass
class DeadlineScanner:
    """``due(now)`` selects due, unmarked items; ``on_due(session, item, now)`` marks one and returns its events."""

    name: str
    source: str
    due: Callable[[datetime], Select[Any]]
    on_due: Callable[[AsyncSession, Any, datetime], Awaitable[Sequence[EventData]]]
    interval: float = 60.0
    batch_size: int = 200
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _periodic: Periodic | None = field(default=None, init=False, repr=False)

    async def scan_once(self, sessions: async_sessionmaker[AsyncSession]) -> int:
        """Process every item due now, batch by batch; return how many events were emitted."""
        emitted = 0
        now = self.clock()
        while True:
            async with sessions() as session, session.begin():
                statement = self.due(now).limit(self.batch_size).with_for_update(skip_locked=True)
                items = (await session.execute(statement)).scalars().all()
                done = 0
                for item in items:
                    try:
                        async with session.begin_nested():  # one bad item must not hold up the others
                            events = await self.on_due(session, item, now)
                            for event in events:
                                await add_event(session, event, source=self.source)
                    except Exception as exc:
                        log.error("deadline_item_failed", scanner=self.name, item=repr(item), error=repr(exc))
                        continue
                    done += 1
                    emitted += len(events)
            if len(items) < self.batch_size or done == 0:
                return emitted  # a batch of only failing items would come back forever: next interval

    async def run(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Scan every ``interval`` seconds until :meth:`stop`; failures are logged and retried."""
        self._periodic = Periodic(f"deadline-scan-{self.name}", self.interval, lambda: self._scan_and_log(sessions))
        await self._periodic.run()

    async def _scan_and_log(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        count = await self.scan_once(sessions)
        if count:
            log.info("deadline_scan", scanner=self.name, emitted=count)

    def stop(self) -> None:
        if self._periodic is not None:
            self._periodic.stop()


class OverdueScanner(DeadlineScanner):
    """The common scanner: items of a model whose due date has passed, emitted once each.

    Declared from the model's due-date column, its marker column and the event to emit::

        OverdueScanner(
            "obligations-overdue", SERVICE,
            due_column=Obligation.due_on,
            marker=Obligation.overdue_emitted_at,
            event=lambda o: ReviewObligationOverdue(obligation_id=o.id, ...),
            where=[Obligation.status == "pending"],
        )

    An item is due when ``due_column`` is before today (Asia/Shanghai) and it is unmarked
    (``marker`` null — or the ``unmarked`` condition given); on_due sets ``marker`` to the
    scan's moment (or ``mark(item, now)`` does) and returns ``event(item)``. ``where`` adds
    conditions (e.g. the item's state).
    """

    def __init__(
        self,
        name: str,
        source: str,
        *,
        due_column: Any,
        marker: Any,
        event: Callable[[Any], EventData],
        where: Sequence[ColumnElement[bool]] = (),
        unmarked: ColumnElement[bool] | None = None,
        mark: Callable[[Any, datetime], None] | None = None,
        interval: float = 60.0,
        batch_size: int = 200,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        model = due_column.class_
        waiting = unmarked if unmarked is not None else marker.is_(None)

        def due(now: datetime) -> Select[Any]:
            return select(model).where(waiting, due_column < local_date(now), *where).order_by(due_column)

        async def on_due(session: AsyncSession, item: Any, now: datetime) -> list[EventData]:
            if mark is not None:
                mark(item, now)
            else:
                setattr(item, marker.key, now)
            return [event(item)]

        super().__init__(
            name,
            source,
            due,
            on_due,
            interval=interval,
            batch_size=batch_size,
            clock=clock or (lambda: datetime.now(UTC)),
        )
