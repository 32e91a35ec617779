"""Routes of /cases: filing, reading, lifecycle actions, timeline, legal remedies."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import Query, Request, Response
from sqlalchemy import any_, or_, select

from case_service.cases import imports, service
from case_service.cases.rules import Category, Status
from case_service.cases.schemas import (
    Archive,
    CaseCreate,
    CaseRead,
    Closure,
    Decision,
    Execution,
    Hearing,
    InvestigationStart,
    LegalReview,
    RemedyCreate,
    RemedyRead,
    RemedyUpdate,
    Service,
    TimelineRead,
    Transfer,
    Withdrawal,
)
from case_service.common import (
    COMMON_RESPONSES,
    CONFLICTS,
    NOT_FOUND,
    AnyCaller,
    CaseActor,
    CaseFiler,
    LegalAffairs,
    Platform,
    SessionDep,
    problem,
)
from case_service.models import Case, TimelineEntry
from case_service.officers.rules import ID_NUMBER_ROLES, mask_id_numbers
from enforcement_common.api.concurrency import set_etag
from enforcement_common.api.pagination import Page, PageParamsDep, check_range, paginate
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.auth.scope import select_in_scope

router = ServiceRouter(prefix="/cases", tags=["cases"], responses=COMMON_RESPONSES)
ACTION_RESPONSES = {**NOT_FOUND, **CONFLICTS}


async def _reply(request: Request, session, case: Case, caller, response: Response) -> CaseRead:
    # Read inside the command's transaction (no second transaction after commit): the
    # answer is exactly what is committed, since a failed commit answers an error instead.
    read = await service.read(session, case, caller)
    await session.commit()
    set_etag(response, case.version)
    return read


@router.post(
    "",
    status_code=201,
    response_model=CaseRead,
    responses={**NOT_FOUND, 409: problem("external_ref already used in the unit")},
)
async def file_case(
    body: CaseCreate, caller: CaseFiler, session: SessionDep, request: Request, response: Response
) -> CaseRead:
    """File a case (立案): handlers must be certified (CASE-3), two where required (CASE-9)."""
    case = await service.file(session, request.app.state.settings, caller, body)
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    return await _reply(request, session, case, caller, response)


@router.post(
    ":import",
    response_model=imports.ImportReport,
    responses={400: problem("Not JSON or NDJSON"), 413: problem("More than 10 000 items")},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "maxItems": imports.MAX_ITEMS,
                        "items": {"$ref": "#/components/schemas/CaseImportItem"},
                    }
                },
                "application/x-ndjson": {"schema": {"type": "string", "description": "one CaseImportItem per line"}},
            },
        }
    },
)
async def import_cases(caller: Platform, session: SessionDep, request: Request) -> imports.ImportReport:
    """Bulk upsert by external_ref for provincial platforms (its own units only); a result per item."""
    media_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    items = imports.parse_items(await request.body(), media_type)
    return await imports.run_import(session, request.app.state.settings, caller, items)


@router.get("", response_model=Page[CaseRead])
async def list_cases(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    category: Category | None = None,
    status: Status | None = None,
    handler_id: uuid.UUID | None = None,
    filed_from: date | None = None,
    filed_to: date | None = None,
    closed_from: date | None = None,
    closed_to: date | None = None,
    q: Annotated[str | None, Query(max_length=100, description="in title, case number or party name")] = None,
) -> Page[CaseRead]:
    """Cases in the caller's scope, oldest filing first."""
    check_range("filed", filed_from, filed_to)
    check_range("closed", closed_from, closed_to)
    statement = await select_in_scope(session, caller, Case.unit_id)
    for column, value in ((Case.unit_id, unit_id), (Case.category, category), (Case.status, status)):
        if value is not None:
            statement = statement.where(column == value)
    if handler_id:
        statement = statement.where(or_(Case.lead_handler_id == handler_id, handler_id == any_(Case.co_handler_ids)))
    if filed_from:
        statement = statement.where(Case.filed_on >= filed_from)
    if filed_to:
        statement = statement.where(Case.filed_on <= filed_to)
    if closed_from:
        statement = statement.where(Case.closed_on >= closed_from)
    if closed_to:
        statement = statement.where(Case.closed_on <= closed_to)
    if q:
        statement = statement.where(
            or_(
                Case.title.contains(q, autoescape=True),
                Case.case_no.contains(q, autoescape=True),
                Case.party["name"].astext.contains(q, autoescape=True),
            )
        )
    cases, cursor = await paginate(session, statement, [Case.filed_on, Case.id], page)
    return Page[CaseRead](items=[await service.read(session, c, caller) for c in cases], next_cursor=cursor)


@router.get("/{case_id}", response_model=CaseRead, responses=NOT_FOUND)
async def read_case(case_id: uuid.UUID, caller: AnyCaller, session: SessionDep, response: Response) -> CaseRead:
    """One case, with its deadlines and the actions now possible."""
    case = await service.get_visible(session, caller, case_id)
    set_etag(response, case.version)
    return await service.read(session, case, caller)


@router.get("/{case_id}/timeline", response_model=Page[TimelineRead], responses=NOT_FOUND)
async def case_timeline(
    case_id: uuid.UUID, caller: AnyCaller, session: SessionDep, page: PageParamsDep
) -> Page[TimelineRead]:
    """The whole-process record (全过程记录, CASE-5): every change with actor and time."""
    await service.get_visible(session, caller, case_id)
    entries, cursor = await paginate(
        session, select(TimelineEntry).where(TimelineEntry.case_id == case_id), [TimelineEntry.id], page
    )
    sees_id_numbers = bool(caller.roles & ID_NUMBER_ROLES)
    return Page[TimelineRead](
        items=[
            TimelineRead.model_validate(e, from_attributes=True).model_copy(
                update={"details": e.details if sees_id_numbers else mask_id_numbers(e.details)}
            )
            for e in entries
        ],
        next_cursor=cursor,
    )


def _action_route(path: str, action: str, model: type, summary: str, caller_dep=CaseActor) -> None:
    async def perform(
        case_id: uuid.UUID, body: model, caller: caller_dep, session: SessionDep, request: Request, response: Response
    ) -> CaseRead:  # type: ignore[valid-type]
        case = await service.act(session, request.app.state.settings, caller, case_id, action, body, request)
        return await _reply(request, session, case, caller, response)

    perform.__name__ = f"case_{action.replace('-', '_')}"
    perform.__doc__ = summary
    router.add_api_route(
        f"/{{case_id}}/{path}",
        perform,
        methods=["POST"],
        response_model=CaseRead,
        responses=ACTION_RESPONSES,
        summary=summary,
    )


_action_route("investigation", "investigation", InvestigationStart, "Start the investigation (调查取证).")
_action_route(
    "legal-review",
    "legal-review",
    LegalReview,
    "Record the legal review (法制审核), required before a major decision (CASE-4).",
)
_action_route("hearing", "hearing", Hearing, "Record a hearing held (听证, CASE-7).")
_action_route("decision", "decision", Decision, "Record the decision (审查决定) with fines and confiscations (CASE-7).")
_action_route("service", "service", Service, "Record the service of the decision (送达).")
_action_route("execution", "execution", Execution, "Record the execution (执行).")
_action_route("closure", "closure", Closure, "Close the case (结案).")
_action_route("archive", "archive", Archive, "Archive the file (归档).")
_action_route("transfer", "transfer", Transfer, "Transfer to the police or another agency (移送, CASE-6).")
_action_route("withdrawal", "withdrawal", Withdrawal, "Withdraw the case (撤销立案).")


@router.post("/{case_id}/legal-remedies", status_code=201, response_model=RemedyRead, responses=NOT_FOUND)
async def record_remedy(
    case_id: uuid.UUID, body: RemedyCreate, caller: LegalAffairs, session: SessionDep, response: Response
) -> RemedyRead:
    """Record a reconsideration, litigation or compensation and its result (CASE-8)."""
    remedy = await service.record_remedy(session, caller, case_id, body)
    await session.commit()
    set_etag(response, remedy.version)
    return service.remedy_read(remedy)


@router.patch("/{case_id}/legal-remedies/{remedy_id}", response_model=RemedyRead, responses={**NOT_FOUND, **CONFLICTS})
async def update_remedy(
    case_id: uuid.UUID,
    remedy_id: uuid.UUID,
    body: RemedyUpdate,
    caller: LegalAffairs,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RemedyRead:
    """Record the progress or result of a legal remedy (If-Match required)."""
    remedy = await service.update_remedy(session, caller, case_id, remedy_id, body, request)
    await session.commit()
    set_etag(response, remedy.version)
    return service.remedy_read(remedy)
