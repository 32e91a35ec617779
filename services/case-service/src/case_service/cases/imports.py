"""Bulk import for provincial platforms: ``POST /cases:import``.

Up to 10 000 cases per call, as a JSON array or NDJSON, upserted by ``external_ref``
within the unit. Every item gets a result — created, updated, unchanged, or an error
with its problem — and one bad item never aborts the others: a chunk's new cases are
filed as one batch (a failed check is that item's error; a value the database refuses
sends the chunk through item by item, each in its own savepoint), each update runs in
its own savepoint.

The import is one transaction, owned by the route like every other command: its report is
stored under the Idempotency-Key together with the cases (a retry replays it), and a failure
of the database itself leaves nothing behind. Chunks bound the size of each query and batch,
not of the transaction; the case-number counters of the units concerned stay locked until
the import commits, so filings in those units meanwhile wait for it (a 10 000-case import
takes seconds) and their numbers stay gapless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import errors
from case_service.cases import service
from case_service.cases.schemas import CaseCreate
from case_service.config import Settings
from case_service.events import emit
from case_service.models import Case
from enforcement_common.api import json_body
from enforcement_common.api.problems import (
    ProblemError,
    constraint_problem,
    data_problem_detail,
    is_constraint_violation,
    is_data_exception,
)
from enforcement_common.auth.jwt import Caller
from enforcement_common.contracts.case import CaseUpdated

MAX_ITEMS = 10_000
CHUNK = 250
UPDATABLE = ("title", "summary", "party", "is_major")


class CaseImportItem(CaseCreate):
    external_ref: str = Field(
        min_length=1, max_length=100, description="the platform's id; the upsert key within the unit"
    )


class ImportResult(BaseModel):
    index: int
    external_ref: str | None
    outcome: Literal["created", "updated", "unchanged", "error"]
    ignored_fields: list[str] = Field(
        default_factory=list,
        description="on an existing case: fields sent with other values that an import does not change "
        "(category, handlers, filed_on change through their own endpoints or not at all)",
    )
    case_id: str | None = None
    case_no: str | None = None
    problem: dict[str, Any] | None = None


class ImportSummary(BaseModel):
    received: int
    created: int
    updated: int
    unchanged: int
    errors: int


class ImportReport(BaseModel):
    summary: ImportSummary
    results: list[ImportResult]


@dataclass(frozen=True)
class MalformedLine:
    """An NDJSON line that is not JSON: an error of that item, not of the whole call."""

    line: int
    error: str


def _ndjson_item(number: int, line: str) -> Any:
    try:
        return json_body.loads(line)
    except ValueError as exc:
        return MalformedLine(number, str(exc))


def parse_items(body: bytes, media_type: str) -> list[Any]:
    """A JSON array, or one JSON object per line (NDJSON); 400/413 problems otherwise."""
    try:
        if media_type == "application/x-ndjson":
            lines = body.decode("utf-8").splitlines()
            items = [_ndjson_item(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
        else:
            items = json_body.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProblemError(400, "request.malformed_json", f"The body is not a JSON array or NDJSON: {exc}") from exc
    if not isinstance(items, list):
        raise errors.IMPORT_NOT_A_LIST("Send a JSON array of cases, or NDJSON.")
    if len(items) > MAX_ITEMS:
        raise errors.IMPORT_TOO_MANY_ITEMS(f"At most {MAX_ITEMS} cases per call; {len(items)} sent.")
    return items


def _problem(exc: ProblemError | ValidationError | DBAPIError) -> dict[str, Any]:
    if isinstance(exc, DBAPIError):
        # A value the database refuses, or a duplicate that raced the checks: this item only.
        if is_data_exception(exc):
            return {"status": 422, "code": "request.unprocessable_value", "detail": data_problem_detail(exc)}
        if is_constraint_violation(exc):
            status, code, detail = constraint_problem(exc)
            return {"status": status, "code": code, "detail": detail}
        raise exc  # the database itself failed: the whole import fails and rolls back
    if isinstance(exc, ValidationError):
        return {
            "status": 422,
            "code": "request.invalid",
            "detail": "The item does not match the schema.",
            "errors": [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()],
        }
    problem = {"status": exc.status, "code": exc.code, "detail": exc.detail}
    if exc.basis:
        problem["basis"] = exc.basis
    return problem


async def run_import(session: AsyncSession, settings: Settings, caller: Caller, raw_items: list[Any]) -> ImportReport:
    results: list[ImportResult] = []
    parsed: list[tuple[int, CaseImportItem]] = []
    for index, raw in enumerate(raw_items):
        if isinstance(raw, MalformedLine):
            results.append(
                ImportResult(
                    index=index,
                    external_ref=None,
                    outcome="error",
                    problem={
                        "status": 400,
                        "code": "request.malformed_json",
                        "detail": f"Line {raw.line} is not JSON: {raw.error}",
                    },
                )
            )
            continue
        try:
            parsed.append((index, CaseImportItem.model_validate(raw)))
        except ValidationError as exc:
            ref = raw.get("external_ref") if isinstance(raw, dict) else None
            results.append(
                ImportResult(
                    index=index,
                    external_ref=ref if isinstance(ref, str) else None,
                    outcome="error",
                    problem=_problem(exc),
                )
            )
    seen: set[tuple[str, str]] = set()
    for start in range(0, len(parsed), CHUNK):
        chunk = parsed[start : start + CHUNK]
        keys = [(item.unit_id, item.external_ref) for _, item in chunk]
        existing = {
            (case.unit_id, case.external_ref): case
            for case in (
                await session.scalars(select(Case).where(tuple_(Case.unit_id, Case.external_ref).in_(keys)))
            ).all()
        }
        creates: list[tuple[int, CaseImportItem]] = []
        for index, item in chunk:
            key = (str(item.unit_id), item.external_ref)
            if key in seen:
                results.append(
                    ImportResult(
                        index=index,
                        external_ref=item.external_ref,
                        outcome="error",
                        problem={
                            "status": errors.IMPORT_DUPLICATE_IN_BATCH.status,
                            "code": errors.IMPORT_DUPLICATE_IN_BATCH.code,
                            "detail": "This external_ref appears earlier in the same batch.",
                        },
                    )
                )
                continue
            seen.add(key)
            current = existing.get((item.unit_id, item.external_ref))
            if current is None:
                creates.append((index, item))
                continue
            try:
                async with session.begin_nested():
                    outcome = await _update(session, caller, current, item)
                ignored = _ignored_fields(current, item)
                results.append(
                    ImportResult(
                        index=index,
                        external_ref=item.external_ref,
                        outcome=outcome,
                        case_id=str(current.id),
                        case_no=current.case_no,
                        ignored_fields=ignored,
                    )
                )
            except (ProblemError, DBAPIError) as exc:
                results.append(
                    ImportResult(index=index, external_ref=item.external_ref, outcome="error", problem=_problem(exc))
                )
        results.extend(await _create(session, settings, caller, creates))
    results.sort(key=lambda r: r.index)
    count = {
        outcome: sum(1 for r in results if r.outcome == outcome)
        for outcome in ("created", "updated", "unchanged", "error")
    }
    return ImportReport(
        summary=ImportSummary(
            received=len(raw_items),
            created=count["created"],
            updated=count["updated"],
            unchanged=count["unchanged"],
            errors=count["error"],
        ),
        results=results,
    )


async def _create(
    session: AsyncSession, settings: Settings, caller: Caller, creates: list[tuple[int, CaseImportItem]]
) -> list[ImportResult]:
    """The new cases of a chunk, filed as one batch in a savepoint. Should the database refuse
    one of them (a value it cannot take, a reference taken meanwhile by another writer), the
    savepoint is rolled back and the chunk filed item by item, so only that item fails."""
    if not creates:
        return []
    items = [item for _, item in creates]
    try:
        async with session.begin_nested():
            outcomes: list[Case | ProblemError | DBAPIError] = list(
                await service.file_many(session, settings, caller, items)
            )
    except DBAPIError as exc:
        _problem(exc)  # re-raises unless the database refused an item's values
        outcomes = []
        for item in items:
            try:
                async with session.begin_nested():
                    outcomes.append(await service.file(session, settings, caller, item))
            except (ProblemError, DBAPIError) as one:
                outcomes.append(one)
    return [
        ImportResult(
            index=index,
            external_ref=item.external_ref,
            outcome="created",
            case_id=str(outcome.id),
            case_no=outcome.case_no,
        )
        if isinstance(outcome, Case)
        else ImportResult(index=index, external_ref=item.external_ref, outcome="error", problem=_problem(outcome))
        for (index, item), outcome in zip(creates, outcomes, strict=True)
    ]


def _ignored_fields(case: Case, item: CaseImportItem) -> list[str]:
    """What the item would change that an import leaves alone — told, not silently dropped."""
    ignored = []
    if item.category != case.category:
        ignored.append("category")
    if item.lead_handler_id != case.lead_handler_id:
        ignored.append("lead_handler_id")
    if set(item.co_handler_ids) - {item.lead_handler_id} != set(case.co_handler_ids):
        ignored.append("co_handler_ids")
    if item.filed_on is not None and item.filed_on != case.filed_on:
        ignored.append("filed_on")
    return ignored


async def _update(
    session: AsyncSession, caller: Caller, case: Case, item: CaseImportItem
) -> Literal["updated", "unchanged"]:
    """Descriptive fields only; handlers and the lifecycle change through their own endpoints."""
    await service.get_visible(session, caller, case.id)  # scope: 404 problem outside the platform's units
    incoming = {
        "title": item.title,
        "summary": item.summary,
        "party": item.party.model_dump(),
        "is_major": item.is_major,
    }
    changed = [field for field in UPDATABLE if getattr(case, field) != incoming[field]]
    if not changed:
        return "unchanged"
    if "is_major" in changed and case.status != "filed":
        # Past filing, whether a decision is major decides the legal-review gate (CASE-4).
        raise errors.IS_MAJOR_LOCKED("is_major can only change while the case is filed.", basis=["CASE-4"])
    before = {field: getattr(case, field) for field in changed}
    for field in changed:
        setattr(case, field, incoming[field])
    await service.record_timeline(session, case, caller, "import-update", {"changed": changed, "before": before})
    await session.flush()
    await emit(
        session, CaseUpdated(case_id=case.id, unit_id=case.unit_id, case_no=case.case_no, changed_fields=changed)
    )
    return "updated"
