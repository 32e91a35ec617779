"""The live projection's consumer: every topic the statistics count (units, officers,
trainings, cases, reviews, tolerance, accountability), through the runner and its inbox.

The shared directory (officer and case read models) is kept by the same handlers first
(``register_directory(also=…)``); then the event is logged and folded into the live
generation (:func:`stats_service.projection.service.apply_live`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.directory import DIRECTORY_EVENTS, DIRECTORY_TOPICS, register_directory
from enforcement_common.events import ConsumerRunner, ReceivedEvent
from stats_service.config import Settings
from stats_service.projection.service import FOLDS, Fold, apply_live
from stats_service.projection.service import TOPICS as PROJECTION_TOPICS

TOPICS = sorted(set(PROJECTION_TOPICS) | set(DIRECTORY_TOPICS))


async def on_event(session: AsyncSession, event: ReceivedEvent[Any]) -> None:
    record = event.record
    await apply_live(session, Fold(event.data, event.envelope, record.topic, record.partition, record.offset))


def register(runner: ConsumerRunner, settings: Settings) -> None:
    register_directory(runner, also={model: on_event for model in DIRECTORY_EVENTS})
    for model in FOLDS:
        if model not in DIRECTORY_EVENTS:
            runner.on(model)(on_event)
