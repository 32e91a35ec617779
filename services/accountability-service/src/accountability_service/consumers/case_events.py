"""Read models and automatic error cases from other services' events (no calls into their databases).

* ``case.*`` and ``officer.*`` keep the shared directory (``enforcement_common.directory``).
* ``case.legal_remedy_recorded`` concluded with a result of ERR-5 sources 3–5 opens an error
  case, once per remedy, for penalty and license cases (ERR-2).
* ``tolerance.decided`` is kept for TOL-15; one granted after a determination withdraws the
  sanctions of the officers it covers.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from accountability_service.config import Settings
from accountability_service.error_cases import service as error_cases
from enforcement_common.contracts.case import CaseLegalRemedyRecorded
from enforcement_common.contracts.tolerance import TOLERANCE, ToleranceDecided
from enforcement_common.directory import DIRECTORY_TOPICS, register_directory
from enforcement_common.events import ConsumerRunner, ReceivedEvent

TOPICS = [*DIRECTORY_TOPICS, TOLERANCE]


async def on_legal_remedy(session: AsyncSession, event: ReceivedEvent[CaseLegalRemedyRecorded]) -> None:
    """ERR-5 sources 3–5 open an error case by themselves."""
    await error_cases.open_from_remedy(session, event.data)


async def on_tolerance_decided(session: AsyncSession, event: ReceivedEvent[ToleranceDecided]) -> None:
    """TOL-15: a tolerated officer is not counted as an enforcement error."""
    await error_cases.record_tolerance(session, event.data)


def register(runner: ConsumerRunner, settings: Settings | None = None) -> None:
    register_directory(runner, also={CaseLegalRemedyRecorded: on_legal_remedy, ToleranceDecided: on_tolerance_decided})
