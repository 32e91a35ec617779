"""Exemplary files (优秀案卷, REV-16): excellent, completed reviews selected for learning exchange."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, list_in_scope
from review_service import errors
from review_service.exemplary.schemas import ExemplaryCreate, ExemplaryRead
from review_service.models import ExemplaryFile, Review
from review_service.reviews.service import voidings


def read(selected: ExemplaryFile, voided: dict | None = None) -> ExemplaryRead:
    return ExemplaryRead.model_validate(selected, from_attributes=True).model_copy(update={"voided": voided})


async def select_file(
    session: AsyncSession, caller: Caller, review_id: uuid.UUID, body: ExemplaryCreate
) -> ExemplaryRead:
    """Select a completed review graded excellent; a file is selected once."""
    review = await get_in_scope(session, caller, Review, review_id, "review")
    if review.status != "completed" or review.grade != "excellent":
        raise errors.NOT_EXEMPLARY("Only a completed review graded excellent can be selected.", basis=["REV-16"])
    if await session.get(ExemplaryFile, review.id):
        raise errors.ALREADY_EXEMPLARY("This file is already selected.")
    selected = ExemplaryFile(
        review_id=review.id, case_id=review.case_id, unit_id=review.unit_id, selected_by=caller.sub, note=body.note
    )
    session.add(selected)
    await session.flush()
    return read(selected)


async def list_page(
    session: AsyncSession, caller: Caller, page: PageParams, *, unit_id: uuid.UUID | None, include_voided: bool = False
) -> Page[ExemplaryRead]:
    """The selections in scope; a file whose review was voided (REV-12) only when asked for —
    the selection is kept (and shows its voiding), it is no longer offered for learning exchange."""
    voided_reviews = select(Review.id).where(Review.status == "voided")
    query = (
        (await list_in_scope(session, caller, ExemplaryFile.unit_id))
        .equal(ExemplaryFile.unit_id, unit_id)
        .where(ExemplaryFile.review_id.not_in(voided_reviews), given=not include_voided)
    )
    items, cursor = await query.page(session, [ExemplaryFile.selected_at, ExemplaryFile.review_id], page)
    voided = await voidings(session, [e.review_id for e in items])
    return Page[ExemplaryRead](items=[read(e, voided.get(e.review_id)) for e in items], next_cursor=cursor)
