"""REV-8, maintained as facts arrive: a lead case closed in the year, an unqualified file
reviewed. When the consequence reaches a new level, review.officer_sanctioned is emitted —
once per level; case-service then suspends the officer at level ``suspension``. A file that
leaves the tally (its self-review voided under REV-12) is recomputed: each announced level
the count no longer reaches is withdrawn with review.officer_sanction_withdrawn, and
case-service lifts a suspension that no longer stands."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import list_in_scope
from enforcement_common.contracts.review import ReviewOfficerSanctioned, ReviewOfficerSanctionWithdrawn
from enforcement_common.policies import ResolvedPolicy
from review_service import rules
from review_service.assessments.schemas import AssessmentRead
from review_service.events import emit
from review_service.models import AnnualAssessment
from review_service.policy import ReviewPolicy


async def _assessment(session: AsyncSession, officer_id: uuid.UUID, year: int, unit_id: uuid.UUID) -> AnnualAssessment:
    assessment = await session.scalar(
        select(AnnualAssessment)
        .where(AnnualAssessment.officer_id == officer_id, AnnualAssessment.year == year)
        .with_for_update()
    )
    if assessment is None:
        assessment = AnnualAssessment(
            officer_id=officer_id,
            year=year,
            unit_id=unit_id,
            lead_case_ids=[],
            unqualified_case_ids=[],
            consequence="none",
            sanctioned_levels=[],
            withdrawn_levels=[],
        )
        session.add(assessment)
    return assessment


async def _reassess(
    session: AsyncSession,
    assessment: AnnualAssessment,
    policy: ResolvedPolicy[ReviewPolicy],
    *,
    new_unqualified: bool = False,
) -> None:
    """Apply REV-8 to the year's counts so far. A sanction already announced stands (a
    suspension ends by reinstatement, REV-8); past 10 lead cases the officer is flagged for
    manual determination — again with each further unqualified file, so that whoever
    decides sees the current count, including any sanction announced before."""
    assessment.consequence = rules.consequence(
        len(assessment.lead_case_ids), len(assessment.unqualified_case_ids), policy.values.above_ten_lead_cases
    )
    assessment.policy_id = policy.policy_id
    if assessment.consequence == "none":
        return
    announced = assessment.consequence in assessment.sanctioned_levels
    if announced and not (assessment.consequence == "manual_review" and new_unqualified):
        return
    if not announced:
        assessment.sanctioned_levels = [*assessment.sanctioned_levels, assessment.consequence]
    await emit(
        session,
        ReviewOfficerSanctioned(
            officer_id=assessment.officer_id,
            unit_id=assessment.unit_id,
            year=assessment.year,
            level=assessment.consequence,
            unqualified_count=len(assessment.unqualified_case_ids),
            lead_cases=len(assessment.lead_case_ids),
            basis=["REV-8"],
        ),
    )


async def add_lead_case(
    session: AsyncSession,
    officer_id: uuid.UUID,
    unit_id: uuid.UUID,
    year: int,
    case_id: uuid.UUID,
    policy: ResolvedPolicy[ReviewPolicy],
) -> None:
    assessment = await _assessment(session, officer_id, year, unit_id)
    if case_id not in assessment.lead_case_ids:
        assessment.lead_case_ids = [*assessment.lead_case_ids, case_id]
        await session.flush()
        await _reassess(session, assessment, policy)


async def add_unqualified(
    session: AsyncSession,
    officer_id: uuid.UUID,
    unit_id: uuid.UUID,
    year: int,
    case_id: uuid.UUID,
    policy: ResolvedPolicy[ReviewPolicy],
) -> None:
    assessment = await _assessment(session, officer_id, year, unit_id)
    if case_id not in assessment.unqualified_case_ids:  # one file counts once
        assessment.unqualified_case_ids = [*assessment.unqualified_case_ids, case_id]
        await session.flush()
        await _reassess(session, assessment, policy, new_unqualified=True)


async def remove_unqualified(
    session: AsyncSession,
    officer_id: uuid.UUID,
    year: int,
    case_id: uuid.UUID,
    reason: str,
    policy: ResolvedPolicy[ReviewPolicy],
) -> None:
    """REV-12: the file no longer counts as unqualified; REV-8 is recomputed and every level
    announced that the count no longer reaches is withdrawn (once), highest first."""
    assessment = await session.scalar(
        select(AnnualAssessment)
        .where(AnnualAssessment.officer_id == officer_id, AnnualAssessment.year == year)
        .with_for_update()
    )
    if assessment is None or case_id not in assessment.unqualified_case_ids:
        return
    assessment.unqualified_case_ids = [c for c in assessment.unqualified_case_ids if c != case_id]
    lead_cases, unqualified = len(assessment.lead_case_ids), len(assessment.unqualified_case_ids)
    assessment.consequence = rules.consequence(lead_cases, unqualified, policy.values.above_ten_lead_cases)
    assessment.policy_id = policy.policy_id
    withdrawn = rules.levels_to_withdraw(assessment.sanctioned_levels, lead_cases, unqualified)
    assessment.sanctioned_levels = [lv for lv in assessment.sanctioned_levels if lv not in withdrawn]
    assessment.withdrawn_levels = [*(assessment.withdrawn_levels or []), *withdrawn]
    await session.flush()
    for level in withdrawn:
        await emit(
            session,
            ReviewOfficerSanctionWithdrawn(
                officer_id=assessment.officer_id,
                unit_id=assessment.unit_id,
                year=assessment.year,
                level=level,
                reason=reason,
                unqualified_count=unqualified,
                lead_cases=lead_cases,
                basis=["REV-12", "REV-8"],
                policy_id=policy.policy_id,
            ),
        )


def read(assessment: AnnualAssessment) -> AssessmentRead:
    return AssessmentRead(
        officer_id=assessment.officer_id,
        year=assessment.year,
        unit_id=assessment.unit_id,
        lead_cases=len(assessment.lead_case_ids),
        unqualified_count=len(assessment.unqualified_case_ids),
        consequence=assessment.consequence,
        announced=list(assessment.sanctioned_levels),
        withdrawn=list(assessment.withdrawn_levels or []),
        basis=["REV-8", "REV-12"] if assessment.withdrawn_levels else ["REV-8"],
        policy_id=assessment.policy_id,
    )


async def list_page(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    year: int | None,
    officer_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
) -> Page[AssessmentRead]:
    query = (
        (await list_in_scope(session, caller, AnnualAssessment.unit_id))
        .equal(AnnualAssessment.year, year)
        .equal(AnnualAssessment.officer_id, officer_id)
        .equal(AnnualAssessment.unit_id, unit_id)
    )
    items, cursor = await query.page(session, [AnnualAssessment.year, AnnualAssessment.officer_id], page)
    return Page[AssessmentRead](items=[read(a) for a in items], next_cursor=cursor)
