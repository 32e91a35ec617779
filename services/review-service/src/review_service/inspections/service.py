"""Hierarchical inspections (REV-10) with reproducible random draws (REV-11): the seed and the
candidate ledger are recorded, so anyone can redraw and verify; per drawn file, the finding
records both the file's grade and the quality of its self-review (REV-11)."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import (
    ensure_in_scope,
    get_in_scope,
    list_in_scope,
    not_found,
)
from enforcement_common.contracts.review import ReviewInspectionDrawn
from review_service import errors, rules
from review_service.events import emit
from review_service.inspections.schemas import (
    FindingCreate,
    FindingRead,
    InspectionCreate,
    InspectionRead,
    Verification,
)
from review_service.models import CaseView, ExcludingRemedy, Inspection, InspectionFinding, Obligation, Review


def read(inspection: Inspection, findings: list[InspectionFinding] | None = None) -> InspectionRead:
    found = [FindingRead.model_validate(f, from_attributes=True) for f in findings or []]
    drawn = sum(len(ids) for ids in inspection.drawn.values())
    return InspectionRead(
        **{
            f: getattr(inspection, f)
            for f in InspectionRead.model_fields
            if f not in {"findings", "files_without_finding", "basis"}
        },
        findings=found,
        files_without_finding=drawn - len(found),
    )


async def _findings(session: AsyncSession, inspection_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[InspectionFinding]]:
    by_inspection: dict[uuid.UUID, list[InspectionFinding]] = {i: [] for i in inspection_ids}
    if inspection_ids:
        rows = await session.scalars(
            select(InspectionFinding)
            .where(InspectionFinding.inspection_id.in_(inspection_ids))
            .order_by(InspectionFinding.recorded_at, InspectionFinding.case_id)
        )
        for finding in rows:
            by_inspection[finding.inspection_id].append(finding)
    return by_inspection


async def read_one(session: AsyncSession, inspection: Inspection) -> InspectionRead:
    return read(inspection, (await _findings(session, [inspection.id]))[inspection.id])


async def get(session: AsyncSession, caller: Caller, inspection_id: uuid.UUID) -> Inspection:
    return await get_in_scope(session, caller, Inspection, inspection_id, "inspection")


async def _candidates(session: AsyncSession, unit_id: uuid.UUID, year: int) -> dict[str, list[str]]:
    """The ledger: the unit's closed cases of the year per REV-11 group, sorted. REV-12: files
    under reconsideration or litigation are not reviewed — nor drawn — even when the remedy
    came after their self-review."""
    excluded = select(Obligation.case_id).where(Obligation.status == "excluded").union(select(ExcludingRemedy.case_id))
    candidates = (
        await session.execute(
            select(CaseView.case_id, CaseView.category).where(
                CaseView.unit_id == unit_id,
                CaseView.closed_on.is_not(None),
                func.extract("year", CaseView.closed_on) == year,
                CaseView.case_id.not_in(excluded),
            )
        )
    ).all()
    return {
        group: sorted(str(c) for c, category in candidates if category in categories)
        for group, categories in rules.INSPECTION_GROUPS.items()
    }


async def draw(session: AsyncSession, caller: Caller, body: InspectionCreate) -> InspectionRead:
    """Draw files at random among the candidates; every call is a new recorded inspection."""
    # An inspection of a unit that does not exist would look like one done: 404, as out of scope.
    await ensure_in_scope(session, caller, body.unit_id, "unit")
    ledger = await _candidates(session, body.unit_id, body.year)
    seed = body.seed or secrets.token_hex(16)
    inspection = Inspection(
        id=uuid.uuid4(),
        unit_id=body.unit_id,
        year=body.year,
        per_category=body.per_category,
        seed=seed,
        ledger=ledger,
        drawn=rules.draw(ledger, body.per_category, seed),
        drawn_by=caller.sub,
    )
    session.add(inspection)
    await session.flush()
    await emit(
        session,
        ReviewInspectionDrawn(
            inspection_id=inspection.id,
            unit_id=body.unit_id,
            year=body.year,
            seed=seed,
            drawn_case_ids=[uuid.UUID(c) for ids in inspection.drawn.values() for c in ids],
            basis=["REV-10", "REV-11"],
        ),
    )
    return read(inspection)


async def list_page(
    session: AsyncSession, caller: Caller, page: PageParams, *, unit_id: uuid.UUID | None, year: int | None
) -> Page[InspectionRead]:
    query = (
        (await list_in_scope(session, caller, Inspection.unit_id))
        .equal(Inspection.unit_id, unit_id)
        .equal(Inspection.year, year)
    )
    items, cursor = await query.page(session, [Inspection.created_at, Inspection.id], page)
    findings = await _findings(session, [i.id for i in items])  # one query for the page
    return Page[InspectionRead](items=[read(i, findings[i.id]) for i in items], next_cursor=cursor)


async def record_finding(
    session: AsyncSession, caller: Caller, inspection_id: uuid.UUID, body: FindingCreate
) -> FindingRead:
    """REV-11 (second sentence): for a drawn file, its grade and the quality of its self-review —
    judged against the self-review actually completed (not_done exactly when there is none)."""
    inspection = await get_in_scope(session, caller, Inspection, inspection_id, "inspection", lock=True)
    case = await session.get(CaseView, body.case_id)
    if case is None:
        raise not_found("case")
    await ensure_in_scope(session, caller, case.unit_id, "case")
    if str(body.case_id) not in {c for ids in inspection.drawn.values() for c in ids}:
        raise errors.FILE_NOT_DRAWN("Findings are recorded for the files this inspection drew.", basis=["REV-11"])
    if await session.get(InspectionFinding, (inspection.id, body.case_id)) is not None:
        raise errors.FINDING_EXISTS("The finding for this file is recorded.", basis=["REV-11"])
    self_review = await session.scalar(
        select(Review)
        .where(Review.case_id == body.case_id, Review.kind == "self", Review.status == "completed")
        .order_by(Review.completed_at.desc())
        .limit(1)
    )
    if not rules.self_review_quality_consistent(body.self_review_quality, self_review is not None):
        raise errors.SELF_REVIEW_QUALITY_MISMATCH(
            "not_done is the finding for a file without a completed self-review, and only for it.",
            basis=["REV-11"],
        )
    finding = InspectionFinding(
        inspection_id=inspection.id,
        case_id=body.case_id,
        unit_id=inspection.unit_id,
        file_grade=body.file_grade,
        file_score=body.file_score,
        self_review_quality=body.self_review_quality,
        self_review_id=self_review.id if self_review else None,
        self_review_grade=self_review.grade if self_review else None,
        problems=body.problems,
        notes=body.notes,
        recorded_by=caller.sub,
    )
    session.add(finding)
    await session.flush()
    return FindingRead.model_validate(finding, from_attributes=True)


async def verify(session: AsyncSession, caller: Caller, inspection_id: uuid.UUID) -> Verification:
    """Redraw from the recorded seed and ledger: the same files must come out."""
    inspection = await get(session, caller, inspection_id)
    redrawn = rules.draw(inspection.ledger, inspection.per_category, inspection.seed)
    return Verification(inspection_id=inspection.id, reproducible=redrawn == inspection.drawn, redrawn=redrawn)
