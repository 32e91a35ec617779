"""Route of /public/certificate-holders: no authentication (STAT-5b 公示)."""

from __future__ import annotations

from fastapi import Request, Response

from enforcement_common.api.pagination import PageParamsDep
from enforcement_common.api.routing import SessionDep
from enforcement_common.api.transaction import ServiceRouter
from stats_service.public import service
from stats_service.public.schemas import CertificateHolderPage

router = ServiceRouter(tags=["public"])


@router.get(
    "/public/certificate-holders",
    response_model=CertificateHolderPage,
    responses={304: {"description": "Not modified (If-None-Match matched the ETag)"}},
)
async def certificate_holders(
    request: Request, response: Response, session: SessionDep, page: PageParamsDep
) -> CertificateHolderPage | Response:
    """The public list of enforcement certificate holders valid today: name, number, unit, valid to (STAT-5b)."""
    result = await service.holders_page(session, page)
    etag = service.etag_of(result)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return result
