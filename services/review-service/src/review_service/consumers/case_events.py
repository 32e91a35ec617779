"""Read models and obligations from case-service's events (no calls into its database).

* ``case.*`` and ``officer.*`` keep the shared directory (``enforcement_common.directory``);
  after it, ``case.closed`` creates the self-review obligation due ``closed_on`` + 30 days
  (REV-5) and counts a lead case for the handler's year (REV-8).
* ``case.legal_remedy_recorded`` of kind reconsideration or litigation excludes the
  obligation at any time before its review completes (REV-12); later, it changes nothing.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.contracts.case import CaseClosed, CaseLegalRemedyRecorded
from enforcement_common.directory import DIRECTORY_TOPICS, register_directory
from enforcement_common.events import ConsumerRunner, ReceivedEvent
from enforcement_common.policies import resolve
from review_service.assessments import service as assessments
from review_service.config import Settings
from review_service.obligations import service as obligations
from review_service.policy import REVIEW_POLICIES

TOPICS = DIRECTORY_TOPICS


async def on_case_closed(session: AsyncSession, event: ReceivedEvent[CaseClosed]) -> None:
    """After the directory recorded the closure: the lead case counts for REV-8, and the
    self-review obligation opens (REV-5) — born excluded under an earlier remedy (REV-12)."""
    d = event.data
    policy = await resolve(session, REVIEW_POLICIES, d.unit_id, d.closed_on)  # REV-8 as in force on the closure
    await assessments.add_lead_case(session, d.lead_handler_id, d.unit_id, d.closed_on.year, d.case_id, policy)
    await obligations.open_for(session, d)


async def on_legal_remedy(session: AsyncSession, event: ReceivedEvent[CaseLegalRemedyRecorded]) -> None:
    """A reconsideration or litigation excludes the file from review (REV-12)."""
    await obligations.exclude_for(session, event.data)


def register(runner: ConsumerRunner, settings: Settings) -> None:
    register_directory(runner, also={CaseClosed: on_case_closed, CaseLegalRemedyRecorded: on_legal_remedy})
