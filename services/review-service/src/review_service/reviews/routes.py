"""Routes of /reviews and /notifications (REV-7, REV-13 – REV-15)."""

from __future__ import annotations

import uuid

from fastapi import Response

from enforcement_common.api.concurrency import IfMatchDep, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.contracts.review import Grade
from review_service.deps import CONFLICT, AnyCaller, Reviewer, SettingsDep, Signer
from review_service.reviews import service
from review_service.reviews.schemas import NotificationRead, ReviewCreate, ReviewRead, Signature

router = ServiceRouter(tags=["reviews"], responses=COMMON_RESPONSES)


@router.post("/reviews", status_code=201, response_model=ReviewRead, responses={**NOT_FOUND, **CONFLICT})
async def create_review(
    body: ReviewCreate, caller: Reviewer, session: SessionDep, settings: SettingsDep, response: Response
) -> ReviewRead:
    """Record a review: the service scores it (REV-13, REV-14) and grades it (REV-15)."""
    review = await service.record(session, settings, caller, body)
    set_etag(response, review.version)
    response.headers["Location"] = f"/api/v1/reviews/{review.id}"
    return service.read(review)


@router.get("/reviews", response_model=Page[ReviewRead])
async def list_reviews(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    case_id: uuid.UUID | None = None,
    grade: Grade | None = None,
) -> Page[ReviewRead]:
    """Reviews in the caller's scope."""
    return await service.list_page(session, caller, page, case_id=case_id, grade=grade)


@router.get("/reviews/{review_id}", response_model=ReviewRead, responses=NOT_FOUND)
async def read_review(review_id: uuid.UUID, caller: AnyCaller, session: SessionDep, response: Response) -> ReviewRead:
    """One review."""
    review = await service.get(session, caller, review_id)
    set_etag(response, review.version)
    return service.read(review)


@router.post("/reviews/{review_id}/signatures", response_model=ReviewRead, responses={**NOT_FOUND, **CONFLICT})
async def sign_review(
    review_id: uuid.UUID,
    body: Signature,
    caller: Signer,
    session: SessionDep,
    settings: SettingsDep,
    if_match: IfMatchDep,
    response: Response,
) -> ReviewRead:
    """Sign as legal-affairs head or reviewed unit head; with both, the review completes (REV-7)."""
    review = await service.sign(session, settings, caller, review_id, body, if_match)
    set_etag(response, review.version)
    return service.read(review)


@router.get("/notifications", response_model=Page[NotificationRead])
async def list_notifications(
    caller: AnyCaller, session: SessionDep, page: PageParamsDep, officer_id: uuid.UUID | None = None
) -> Page[NotificationRead]:
    """Written result notices to lead handlers (REV-7)."""
    return await service.list_notifications(session, caller, page, officer_id=officer_id)
