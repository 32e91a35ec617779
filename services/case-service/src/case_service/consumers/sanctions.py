"""Sanctions from review-service (REV-8) and accountability-service (ERR-11).

``review.officer_sanctioned`` at level ``suspension`` suspends the officer, and
``review.officer_sanction_withdrawn`` at that level (the file voided under REV-12) lifts a
REV-8 suspension that no longer stands — unless another ground (ERR-11) still holds it;
``accountability.sanction_imposed`` with ``suspend_enforcement`` suspends, with
``remove_from_post`` revokes; ``accountability.sanction_withdrawn`` (TOL-15, ERR-12) lifts an
ERR-11 suspension that no longer stands, unless REV-8 still holds it. Each event is applied once (the inbox), and an officer
already in the resulting state is left alone, so a redelivery changes nothing.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from case_service.officers import service as officers
from enforcement_common.contracts.accountability import ACCOUNTABILITY, SanctionImposed, SanctionWithdrawn
from enforcement_common.contracts.review import REVIEWS, ReviewOfficerSanctioned, ReviewOfficerSanctionWithdrawn
from enforcement_common.events import ConsumerRunner, ReceivedEvent

TOPICS = [REVIEWS, ACCOUNTABILITY]


async def on_officer_sanctioned(session: AsyncSession, event: ReceivedEvent[ReviewOfficerSanctioned]) -> None:
    await officers.suspend_after_review(session, event.data)


async def on_officer_sanction_withdrawn(
    session: AsyncSession, event: ReceivedEvent[ReviewOfficerSanctionWithdrawn]
) -> None:
    await officers.lift_review_suspension(session, event.data)


async def on_sanction_imposed(session: AsyncSession, event: ReceivedEvent[SanctionImposed]) -> None:
    await officers.apply_accountability_sanction(session, event.data)


async def on_sanction_withdrawn(session: AsyncSession, event: ReceivedEvent[SanctionWithdrawn]) -> None:
    await officers.lift_accountability_suspension(session, event.data)


def register(runner: ConsumerRunner, settings: object = None) -> None:
    runner.on(ReviewOfficerSanctioned)(on_officer_sanctioned)
    runner.on(ReviewOfficerSanctionWithdrawn)(on_officer_sanction_withdrawn)
    runner.on(SanctionImposed)(on_sanction_imposed)
    runner.on(SanctionWithdrawn)(on_sanction_withdrawn)
