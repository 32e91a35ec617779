"""Non-recording findings (INT-12): first ⇒ warning or circulated criticism, second and later for the
same handler ⇒ discipline referral; a leader who instructed it gets their own finding. Each finding
is checked against the register: a case whose handler recorded nothing for it is surfaced to the
legal body (the missing-record detector)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accountability_service import errors
from accountability_service.directory import case_in_scope, officer_in_scope
from accountability_service.events import emit
from accountability_service.interference import rules
from accountability_service.models import InterferenceRecord, NonrecordingFinding, OfficerView
from accountability_service.nonrecording.schemas import FindingCreate, FindingRead
from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import list_in_scope
from enforcement_common.calendar import today
from enforcement_common.contracts.accountability import NonrecordingFound

F = NonrecordingFinding


async def read(session: AsyncSession, finding: NonrecordingFinding) -> FindingRead:
    leader_finding = await session.scalar(select(F.id).where(F.leader_of_finding_id == finding.id))
    explanation = rules.nonrecording_consequence(finding.ordinal - 1, None)[2]
    if finding.leader_of_finding_id is not None:
        explanation = "主管领导授意不记录或不如实记录，追究主管领导责任；" + explanation
    return FindingRead(
        id=finding.id,
        unit_id=finding.unit_id,
        officer_id=finding.officer_id,
        case_id=finding.case_id,
        kind=finding.kind,
        found_on=finding.found_on,
        description=finding.description,
        consequence=finding.consequence,
        ordinal=finding.ordinal,
        instructed_by_leader_id=finding.instructed_by_leader_id,
        leader_of_finding_id=finding.leader_of_finding_id,
        leader_finding_id=leader_finding,
        no_record_for_case=finding.no_record_for_case,
        explanation=explanation,
        basis=finding.basis,
    )


async def _add(
    session: AsyncSession,
    caller: Caller,
    officer: OfficerView,
    body: FindingCreate,
    *,
    requested: str | None,
    leader_of: uuid.UUID | None,
) -> NonrecordingFinding:
    # Serialise the findings of one officer: two concurrent ones must count each other (INT-12).
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(str(officer.officer_id)))))
    earlier = await session.scalar(select(func.count()).select_from(F).where(F.officer_id == officer.officer_id))
    consequence, basis, _ = rules.nonrecording_consequence(earlier, requested)
    recorded = await session.scalar(
        select(func.count())
        .select_from(InterferenceRecord)
        .where(InterferenceRecord.case_id == body.case_id, InterferenceRecord.recorder_officer_id == officer.officer_id)
    )
    finding = F(
        id=uuid.uuid4(),
        unit_id=officer.unit_id,
        officer_id=officer.officer_id,
        case_id=body.case_id,
        kind=body.kind if leader_of is None else "instructed_not_to_record",
        found_on=body.found_on,
        description=body.description,
        consequence=consequence,
        ordinal=earlier + 1,
        instructed_by_leader_id=body.instructed_by_leader_id if leader_of is None else None,
        leader_of_finding_id=leader_of,
        no_record_for_case=leader_of is None and recorded == 0,
        basis=basis,
        found_by=caller.sub,
    )
    session.add(finding)
    await session.flush()
    await emit(
        session,
        NonrecordingFound(
            finding_id=finding.id,
            unit_id=finding.unit_id,
            officer_id=finding.officer_id,
            consequence=consequence,
            basis=basis,
            found_on=finding.found_on,
        ),
    )
    return finding


async def find(session: AsyncSession, caller: Caller, body: FindingCreate) -> NonrecordingFinding:
    """Record a non-recording finding (INT-12), and the instructing leader's own one."""
    officer = await officer_in_scope(session, caller, body.officer_id)
    await case_in_scope(session, caller, body.case_id)
    if body.found_on > today():
        raise errors.INVALID_DATE("found_on is not in the future.")
    leader = None
    if body.instructed_by_leader_id is not None:
        leader = await officer_in_scope(session, caller, body.instructed_by_leader_id)
        if leader.officer_id == officer.officer_id:
            raise errors.INVALID_INTERVENER(
                "The instructing leader is another person than the handler.", basis=["INT-12"]
            )
    finding = await _add(session, caller, officer, body, requested=body.consequence, leader_of=None)
    if leader is not None:
        await _add(session, caller, leader, body, requested=body.consequence, leader_of=finding.id)
    return finding


async def list_page(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    unit_id: uuid.UUID | None,
    officer_id: uuid.UUID | None,
    no_record_for_case: bool | None,
) -> Page[FindingRead]:
    query = (
        (await list_in_scope(session, caller, F.unit_id))
        .equal(F.unit_id, unit_id)
        .equal(F.officer_id, officer_id)
        .equal(F.no_record_for_case, no_record_for_case)
    )
    items, cursor = await query.page(session, [F.found_on, F.id], page)
    return Page[FindingRead](items=[await read(session, f) for f in items], next_cursor=cursor)
