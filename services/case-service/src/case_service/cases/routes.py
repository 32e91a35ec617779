"""Routes of /cases: filing, reading, lifecycle actions, timeline, legal remedies."""

import uuid
from typing import Annotated

from fastapi import Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.cases import counts, imports, service
from case_service.cases.rules import DeadlineStatus
from case_service.cases.schemas import (
    Archive,
    CaseCounts,
    CaseCreate,
    CaseRead,
    Closure,
    CountsGroupBy,
    DeadlineExtensionCreate,
    DeadlineExtensionRead,
    Decision,
    Execution,
    HandlersChange,
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
from case_service.deps import (
    CONFLICTS,
    AnyCaller,
    CaseActor,
    CaseFiler,
    CountsReader,
    LegalAffairs,
    Platform,
    SettingsDep,
)
from case_service.models import Case
from enforcement_common.api.concurrency import IfMatchDep, set_etag
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep, problem
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.auth.jwt import Caller
from enforcement_common.contracts import BoundedDate
from enforcement_common.contracts.case import CaseCategory, CaseStatus

router = ServiceRouter(prefix="/cases", tags=["cases"], responses=COMMON_RESPONSES)
ACTION_RESPONSES = {**NOT_FOUND, **CONFLICTS}


async def _reply(session: AsyncSession, case: Case, caller: Caller, response: Response) -> CaseRead:
    # Read inside the command's transaction: the answer is exactly what the route class
    # commits (a failed commit answers an error instead).
    read = await service.read(session, case, caller)
    set_etag(response, case.version)
    return read


@router.post(
    "",
    status_code=201,
    response_model=CaseRead,
    responses={**NOT_FOUND, 409: problem("external_ref already used in the unit")},
)
async def file_case(
    body: CaseCreate, caller: CaseFiler, session: SessionDep, settings: SettingsDep, response: Response
) -> CaseRead:
    """File a case (立案): handlers must be certified (CASE-3), two where required (CASE-9)."""
    case = await service.file(session, settings, caller, body)
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    return await _reply(session, case, caller, response)


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
async def import_cases(
    caller: Platform, session: SessionDep, settings: SettingsDep, request: Request
) -> imports.ImportReport:
    """Bulk upsert by external_ref for provincial platforms (its own units only); a result per item."""
    media_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    items = imports.parse_items(await request.body(), media_type)
    return await imports.run_import(session, settings, caller, items)


@router.get("", response_model=Page[CaseRead])
async def list_cases(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    category: CaseCategory | None = None,
    status: CaseStatus | None = None,
    handler_id: uuid.UUID | None = None,
    filed_from: BoundedDate | None = None,
    filed_to: BoundedDate | None = None,
    closed_from: BoundedDate | None = None,
    closed_to: BoundedDate | None = None,
    q: Annotated[str | None, Query(max_length=100, description="in title, case number or party name")] = None,
    deadline_status: Annotated[
        DeadlineStatus | None,
        Query(description="cases having a deadline in this status today (CASE-9), e.g. overdue or met_late"),
    ] = None,
) -> Page[CaseRead]:
    """Cases in the caller's scope, oldest filing first."""
    return await service.list_page(
        session,
        caller,
        page,
        unit_id=unit_id,
        category=category,
        status=status,
        handler_id=handler_id,
        filed=(filed_from, filed_to),
        closed=(closed_from, closed_to),
        q=q,
        deadline_status=deadline_status,
    )


@router.get(":counts", response_model=CaseCounts, responses=NOT_FOUND)
async def case_counts(
    caller: CountsReader,
    session: SessionDep,
    from_date: Annotated[BoundedDate, Query(alias="from", description="first day of the period (Asia/Shanghai)")],
    to_date: Annotated[BoundedDate, Query(alias="to", description="last day of the period, included")],
    unit_id: Annotated[
        uuid.UUID | None, Query(description="the unit, its sub-units included; default: the caller's scope")
    ] = None,
    group_by: Annotated[
        CountsGroupBy | None,
        Query(description="category; status (the case's status now); unit (the case's own unit); month (of each fact)"),
    ] = None,
) -> CaseCounts:
    """The owner's counts for reconciliation (STAT-7): filed, decided, closed, hearings, amounts, penalty kinds.

    stats-service's ``/admin/reconciliation`` compares its counters with these. A case counts
    once per fact, in the period of that fact: ``filed`` by filed_on, ``closed`` by closed_on,
    ``decided``, ``hearings``, ``fines_total``, ``confiscations_total`` and ``penalty_decisions``
    by decided_on; a penalty decision with several kinds counts under its heaviest (行政处罚法
    第九条). Roles justice_bureau and auditor; a unit outside the caller's scope answers 404.
    """
    return await counts.counts(
        session, caller, unit_id=unit_id, from_date=from_date, to_date=to_date, group_by=group_by
    )


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
    return await service.timeline(session, caller, case_id, page)


@router.post("/{case_id}/investigation", response_model=CaseRead, responses=ACTION_RESPONSES)
async def case_investigation(
    case_id: uuid.UUID,
    body: InvestigationStart,
    caller: CaseActor,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> CaseRead:
    """Start the investigation (调查取证)."""
    case = await service.investigate(session, caller, case_id, body, if_match)
    return await _reply(session, case, caller, response)


@router.post("/{case_id}/legal-review", response_model=CaseRead, responses=ACTION_RESPONSES)
async def case_legal_review(
    case_id: uuid.UUID,
    body: LegalReview,
    caller: CaseActor,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> CaseRead:
    """Record the legal review (法制审核), required before a major decision (CASE-4)."""
    case = await service.review_legally(session, caller, case_id, body, if_match)
    return await _reply(session, case, caller, response)


@router.post("/{case_id}/hearing", response_model=CaseRead, responses=ACTION_RESPONSES)
async def case_hearing(
    case_id: uuid.UUID,
    body: Hearing,
    caller: CaseActor,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> CaseRead:
    """Record a hearing held (听证, CASE-7)."""
    case = await service.hear(session, caller, case_id, body, if_match)
    return await _reply(session, case, caller, response)


@router.post("/{case_id}/decision", response_model=CaseRead, responses=ACTION_RESPONSES)
async def case_decision(
    case_id: uuid.UUID,
    body: Decision,
    caller: CaseActor,
    session: SessionDep,
    settings: SettingsDep,
    if_match: IfMatchDep,
    response: Response,
) -> CaseRead:
    """Record the decision (审查决定) with fines and confiscations (CASE-7)."""
    case = await service.decide(session, settings, caller, case_id, body, if_match)
    return await _reply(session, case, caller, response)


@router.post("/{case_id}/service", response_model=CaseRead, responses=ACTION_RESPONSES)
async def case_service(
    case_id: uuid.UUID,
    body: Service,
    caller: CaseActor,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> CaseRead:
    """Record the service of the decision (送达)."""
    case = await service.serve(session, caller, case_id, body, if_match)
    return await _reply(session, case, caller, response)


@router.post("/{case_id}/execution", response_model=CaseRead, responses=ACTION_RESPONSES)
async def case_execution(
    case_id: uuid.UUID,
    body: Execution,
    caller: CaseActor,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> CaseRead:
    """Record the execution (执行)."""
    case = await service.execute(session, caller, case_id, body, if_match)
    return await _reply(session, case, caller, response)


@router.post("/{case_id}/closure", response_model=CaseRead, responses=ACTION_RESPONSES)
async def case_closure(
    case_id: uuid.UUID,
    body: Closure,
    caller: CaseActor,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> CaseRead:
    """Close the case (结案)."""
    case = await service.close(session, caller, case_id, body, if_match)
    return await _reply(session, case, caller, response)


@router.post("/{case_id}/archive", response_model=CaseRead, responses=ACTION_RESPONSES)
async def case_archive(
    case_id: uuid.UUID,
    body: Archive,
    caller: CaseActor,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> CaseRead:
    """Archive the file (归档)."""
    case = await service.archive(session, caller, case_id, body, if_match)
    return await _reply(session, case, caller, response)


@router.post("/{case_id}/transfer", response_model=CaseRead, responses=ACTION_RESPONSES)
async def case_transfer(
    case_id: uuid.UUID,
    body: Transfer,
    caller: CaseActor,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> CaseRead:
    """Transfer to the police or another agency (移送, CASE-6)."""
    case = await service.transfer(session, caller, case_id, body, if_match)
    return await _reply(session, case, caller, response)


@router.post(
    "/{case_id}/handlers",
    response_model=CaseRead,
    responses={
        **ACTION_RESPONSES,
        403: problem("Not the unit leader or legal affairs"),
        422: problem(
            "A handler not qualified on changed_on (case.handler_not_qualified, CASE-3), too few "
            "(case.too_few_handlers, CASE-9), or changed_on before the filing"
        ),
    },
)
async def case_handlers_change(
    case_id: uuid.UUID,
    body: HandlersChange,
    caller: CaseActor,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> CaseRead:
    """Replace the case's handlers (承办人员变更, CASE-3): unit leader or legal affairs, while the
    case is open; an officer unknown, or outside the case's unit and the caller's scope, is the
    same 422 ``case.unknown_handler`` as at filing; 409 once the case has ended; emits
    ``case.handlers_changed``."""
    case = await service.change_handlers(session, caller, case_id, body, if_match)
    return await _reply(session, case, caller, response)


@router.post("/{case_id}/withdrawal", response_model=CaseRead, responses=ACTION_RESPONSES)
async def case_withdrawal(
    case_id: uuid.UUID,
    body: Withdrawal,
    caller: CaseActor,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> CaseRead:
    """Withdraw the case (撤销立案)."""
    case = await service.withdraw(session, caller, case_id, body, if_match)
    return await _reply(session, case, caller, response)


@router.post(
    "/{case_id}/deadline-extensions",
    status_code=201,
    response_model=DeadlineExtensionRead,
    responses={
        **NOT_FOUND,
        **{status: doc for status, doc in CONFLICTS.items() if status != 409},  # If-Match only
        422: problem(
            "case.deadline_not_extendable (only a running decision deadline), case.extension_not_later, "
            "case.extension_approved_late, case.date_in_future, case.date_out_of_order (approved_on)"
        ),
    },
)
async def extend_deadline(
    case_id: uuid.UUID,
    body: DeadlineExtensionCreate,
    caller: CaseActor,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> DeadlineExtensionRead:
    """Record an approved extension of a deadline (延长办案期限, 行政处罚法 第六十条; CASE-9).

    The deadline's `due_on` moves to `new_due_on`; its `original_due_on` and `extensions` keep
    the statutory day and the history. `approved_by` is an officer in the caller's scope (404
    otherwise). If-Match (the case's ETag) is checked when given; the case gets a new version."""
    extension = await service.extend_deadline(session, caller, case_id, body, if_match)
    response.headers["Location"] = f"/api/v1/cases/{case_id}/deadline-extensions"
    return service.extension_read(extension)


@router.get("/{case_id}/deadline-extensions", response_model=Page[DeadlineExtensionRead], responses=NOT_FOUND)
async def list_deadline_extensions(
    case_id: uuid.UUID, caller: AnyCaller, session: SessionDep, page: PageParamsDep
) -> Page[DeadlineExtensionRead]:
    """The approved extensions of the case's deadlines, oldest first (CASE-9)."""
    return await service.list_extensions(session, caller, case_id, page)


@router.get("/{case_id}/legal-remedies", response_model=Page[RemedyRead], responses=NOT_FOUND)
async def list_remedies(
    case_id: uuid.UUID, caller: AnyCaller, session: SessionDep, page: PageParamsDep
) -> Page[RemedyRead]:
    """The case's reconsiderations, litigations and compensations and their results (CASE-8)."""
    return await service.list_remedies(session, caller, case_id, page)


@router.post(
    "/{case_id}/legal-remedies",
    status_code=201,
    response_model=RemedyRead,
    responses={
        **NOT_FOUND,
        409: problem("The case has no decision yet (case.remedy_before_decision, CASE-8)"),
    },
)
async def record_remedy(
    case_id: uuid.UUID, body: RemedyCreate, caller: LegalAffairs, session: SessionDep, response: Response
) -> RemedyRead:
    """Record a reconsideration, litigation or compensation and its result (CASE-8)."""
    remedy = await service.record_remedy(session, caller, case_id, body)
    set_etag(response, remedy.version)
    return service.remedy_read(remedy)


@router.patch("/{case_id}/legal-remedies/{remedy_id}", response_model=RemedyRead, responses={**NOT_FOUND, **CONFLICTS})
async def update_remedy(
    case_id: uuid.UUID,
    remedy_id: uuid.UUID,
    body: RemedyUpdate,
    caller: LegalAffairs,
    session: SessionDep,
    if_match: IfMatchDep,
    response: Response,
) -> RemedyRead:
    """Record the progress or result of a legal remedy (If-Match required)."""
    remedy = await service.update_remedy(session, caller, case_id, remedy_id, body, if_match)
    set_etag(response, remedy.version)
    return service.remedy_read(remedy)
