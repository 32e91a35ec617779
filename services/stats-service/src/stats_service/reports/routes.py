"""Routes of /reports: freeze, read and export (by ``Accept``), verify, submit (STAT-4, STAT-6)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header, Query, Response

from enforcement_common.api.concurrency import IfMatchDep, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep, problem
from enforcement_common.api.transaction import ServiceRouter
from stats_service import errors, rules
from stats_service.deps import CONFLICT, AnyCaller, ReportWriter, Submitter
from stats_service.reports import exports, service
from stats_service.reports.schemas import ReportCreate, ReportRead, ReportSubmission, ReportVerification

router = ServiceRouter(tags=["reports"], responses=COMMON_RESPONSES)

EXPORT_RESPONSES = {
    200: {
        "description": "The report as JSON, or exported by Accept: text/csv, XLSX or application/pdf",
        "content": {
            exports.CSV: {"schema": {"type": "string"}},
            exports.XLSX: {"schema": {"type": "string", "format": "binary"}},
            exports.PDF: {"schema": {"type": "string", "format": "binary"}},
        },
    },
    406: problem("None of the Accept media types can be produced"),
}


def _media_type(accept: str | None) -> str:
    if not accept:
        return exports.JSON
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in exports.MEDIA_TYPES:
            return media
        if media in ("*/*", "application/*"):
            return exports.JSON
    raise errors.REPORT_FORMAT_NOT_ACCEPTABLE(f"Available: {', '.join(exports.MEDIA_TYPES)}.")


@router.post("/reports", status_code=201, response_model=ReportRead, responses=NOT_FOUND)
async def freeze_report(
    body: ReportCreate, caller: ReportWriter, session: SessionDep, response: Response
) -> ReportRead:
    """Freeze a unit's report for a period with the event positions it reflects (STAT-2, STAT-4)."""
    report = await service.freeze(session, caller, body)
    response.headers["Location"] = f"/api/v1/reports/{report.id}"
    set_etag(response, report.version)
    return await service.read(session, report)


@router.get("/reports", response_model=Page[ReportRead])
async def list_reports(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    period: Annotated[str | None, Query(pattern=rules.PERIOD_PATTERN)] = None,
) -> Page[ReportRead]:
    """Frozen reports in the caller's scope."""
    return await service.list_page(session, caller, page, unit_id=unit_id, period=period)


@router.get("/reports/{report_id}", response_model=ReportRead, responses={**NOT_FOUND, **EXPORT_RESPONSES})
async def read_report(
    report_id: uuid.UUID,
    caller: AnyCaller,
    session: SessionDep,
    response: Response,
    accept: Annotated[str | None, Header()] = None,
) -> ReportRead | Response:
    """A frozen report: JSON, or CSV / XLSX / PDF by the Accept header (行政执法统计年报 layout)."""
    report = await service.get(session, caller, report_id)
    media = _media_type(accept)
    if media == exports.JSON:
        set_etag(response, report.version)
        return await service.read(session, report)
    render = {exports.CSV: exports.to_csv, exports.XLSX: exports.to_xlsx, exports.PDF: exports.to_pdf}[media]
    suffix = {exports.CSV: "csv", exports.XLSX: "xlsx", exports.PDF: "pdf"}[media]
    return Response(
        render(report.content),
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="report-{report.period}-{report.id}.{suffix}"',
            "ETag": f'"{report.content_hash}"',
        },
    )


@router.get("/reports/{report_id}/verify", response_model=ReportVerification, responses=NOT_FOUND)
async def verify_report(report_id: uuid.UUID, caller: AnyCaller, session: SessionDep) -> ReportVerification:
    """Re-derive the report from the events up to its positions and show any difference."""
    return await service.verify(session, caller, report_id)


@router.post(
    "/reports/{report_id}/submission",
    response_model=ReportRead,
    responses={**NOT_FOUND, **CONFLICT, 412: problem("Stale If-Match")},
)
async def submit_report(
    report_id: uuid.UUID,
    body: ReportSubmission,
    caller: Submitter,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> ReportRead:
    """Submit the report to 司法局 (STAT-4): who and when."""
    report = await service.submit(session, caller, report_id, body, if_match)
    set_etag(response, report.version)
    return await service.read(session, report)
