"""Read models from case-service's events (no calls into its database): ``officer.*`` and
``case.*`` keep the shared directory (``enforcement_common.directory``), which applications
and petitions check their officers and cases against; ``unit.*`` keep the unit tree (every
service, by the app factory)."""

from __future__ import annotations

from enforcement_common.directory import DIRECTORY_TOPICS, register_directory
from enforcement_common.events import ConsumerRunner
from tolerance_service.config import Settings

TOPICS = DIRECTORY_TOPICS


def register(runner: ConsumerRunner, settings: Settings) -> None:
    register_directory(runner)
