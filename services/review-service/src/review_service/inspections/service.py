"""Hierarchical inspections (REV-10) with reproducible random draws (REV-11): the seed and the
candidate ledger are recorded, so anyone can redraw and verify."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.api.tables import unit_tree
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, list_in_scope, not_found
from enforcement_common.contracts.review import ReviewInspectionDrawn
from review_service import rules
from review_service.events import emit
from review_service.inspections.schemas import InspectionCreate, InspectionRead, Verification
from review_service.models import CaseView, ExcludingRemedy, Inspection, Obligation


def read(inspection: Inspection) -> InspectionRead:
    return InspectionRead.model_validate(inspection, from_attributes=True)


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
    if await session.scalar(select(unit_tree.c.unit_id).where(unit_tree.c.unit_id == body.unit_id)) is None:
        raise not_found("unit")  # an inspection of a unit that does not exist would look like one done
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
    return Page[InspectionRead](items=[read(i) for i in items], next_cursor=cursor)


async def verify(session: AsyncSession, caller: Caller, inspection_id: uuid.UUID) -> Verification:
    """Redraw from the recorded seed and ledger: the same files must come out."""
    inspection = await get(session, caller, inspection_id)
    redrawn = rules.draw(inspection.ledger, inspection.per_category, inspection.seed)
    return Verification(inspection_id=inspection.id, reproducible=redrawn == inspection.drawn, redrawn=redrawn)
