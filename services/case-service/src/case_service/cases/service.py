"""Cases: filing with handler checks and gapless numbers, lifecycle actions, deadlines,
the whole-process timeline and legal remedies — each command one transaction that also
writes its events to the outbox."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from sqlalchemy import select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from case_service.cases import rules
from case_service.cases.schemas import CaseCreate, CaseRead, Deadline, Party, RemedyCreate, RemedyRead, RemedyUpdate
from case_service.common import emit
from case_service.config import Settings
from case_service.models import Case, CaseDeadline, LegalRemedy, Officer, TimelineEntry, Unit
from case_service.officers.rules import ID_NUMBER_ROLES, mask_id_number
from case_service.officers.service import status_of
from enforcement_common.api.concurrency import check_if_match
from enforcement_common.api.problems import ProblemError
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, not_found, visible_units
from enforcement_common.calendar import today
from enforcement_common.contracts.case import (
    CaseArchived,
    CaseClosed,
    CaseDecided,
    CaseFiled,
    CaseLegalRemedyRecorded,
    CaseStageChanged,
    CaseTransferred,
)

DEADLINE_BASIS = {"decision": ["CASE-9"], "service": ["CASE-9"]}


def handler_ids(case: Case) -> list[uuid.UUID]:
    return [case.lead_handler_id, *[h for h in case.co_handler_ids if h != case.lead_handler_id]]


async def read(session: AsyncSession, case: Case, caller: Caller | None) -> CaseRead:
    deadlines = (
        await session.scalars(select(CaseDeadline).where(CaseDeadline.case_id == case.id).order_by(CaseDeadline.due_on))
    ).all()
    now = today()
    party = Party.model_validate(case.party)
    if not (caller and caller.roles & ID_NUMBER_ROLES):
        party = party.model_copy(update={"id_number": mask_id_number(party.id_number)})
    return CaseRead(
        **{
            field: getattr(case, field)
            for field in CaseRead.model_fields
            if hasattr(case, field) and field not in {"party", "deadlines", "allowed_actions"}
        },
        party=party,
        allowed_actions=rules.allowed_actions(case.status, case.category),
        deadlines=[
            Deadline(
                kind=d.kind,
                due_on=d.due_on,
                met_on=d.met_on,
                basis=d.basis,
                status=rules.deadline_status(d.due_on, d.met_on, now, case.status),
            )
            for d in deadlines
        ],
    )


async def record_timeline(
    session: AsyncSession, case: Case, actor: Caller, action: str, details: dict[str, Any]
) -> None:
    """A change that keeps the stage (e.g. an import's update), in the whole-process record (CASE-5)."""
    await _timeline(session, case, actor, action, case.status, case.status, jsonable_encoder(details))


async def _timeline(
    session: AsyncSession,
    case: Case,
    actor: Caller | str,
    action: str,
    before: str | None,
    after: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """全过程记录 (CASE-5): every change with its actor and time."""
    sub, name = (actor.sub, actor.name) if isinstance(actor, Caller) else (actor, "")
    session.add(
        TimelineEntry(
            case_id=case.id,
            actor=sub,
            actor_name=name,
            action=action,
            from_status=before,
            to_status=after,
            details=details or {},
        )
    )


async def _take_numbers(session: AsyncSession, counts: Counter[tuple[uuid.UUID, int]]) -> dict:
    """The next ``n`` numbers of each unit's counter for the year, by one atomic increment
    each. The counter row stays locked until commit and a rollback undoes the increment:
    numbers are unique and without gaps (CASE-9 numbering). Units are taken in a fixed
    order, so two batches never wait on each other crosswise."""
    numbers = {}
    for (unit_id, year), n in sorted(counts.items(), key=lambda item: (str(item[0][0]), item[0][1])):
        last = (
            await session.execute(
                text(
                    "INSERT INTO case_counters (unit_id, year, last_number) VALUES (:unit, :year, :n) "
                    "ON CONFLICT (unit_id, year) DO UPDATE SET last_number = case_counters.last_number + :n "
                    "RETURNING last_number"
                ),
                {"unit": unit_id, "year": year, "n": n},
            )
        ).scalar_one()
        numbers[(unit_id, year)] = iter(range(last - n + 1, last + 1))
    return numbers


def checked_handlers(
    officers: dict[uuid.UUID, Officer],
    settings: Settings,
    category: str,
    lead: uuid.UUID,
    co: list[uuid.UUID],
    on: date,
) -> list[uuid.UUID]:
    """CASE-3 and CASE-9 on the handlers of a case; returns them, lead first.

    ``officers`` holds only those the caller may see: others read as unknown, so their
    names and status are not disclosed."""
    ids = list(dict.fromkeys([lead, *co]))
    unknown = [str(i) for i in ids if i not in officers]
    if unknown:
        raise ProblemError(
            422,
            "case.unknown_handler",
            f"Unknown officers: {', '.join(unknown)}.",
            errors=[
                {
                    "loc": ["body", "co_handler_ids" if str(lead) not in unknown else "lead_handler_id"],
                    "msg": "unknown officer",
                    "type": "reference",
                }
            ],
        )
    check = rules.check_handlers(
        {str(i): status_of(officers[i], on) for i in ids}, category, settings.two_handler_category_set
    )
    if check.unqualified:
        names = ", ".join(
            f"{officers[uuid.UUID(i)].name} ({status_of(officers[uuid.UUID(i)], on)})" for i in check.unqualified
        )
        raise ProblemError(
            422,
            "case.handler_not_qualified",
            f"Handlers without a valid, unsuspended certificate: {names}.",
            basis=["CASE-3"],
            handlers=check.unqualified,
        )
    if check.too_few:
        raise ProblemError(
            422,
            "case.too_few_handlers",
            f"A {category} case needs at least {check.required} certified handlers; {check.qualified_count} given.",
            basis=["CASE-9"],
        )
    return ids


@dataclass(frozen=True)
class _FilingContext:
    """What the checks of a filing read, loaded once for a whole batch."""

    units: dict[uuid.UUID, Unit]  # those the caller may see
    officers: dict[uuid.UUID, Officer]  # those the caller may see
    taken_refs: set[tuple[uuid.UUID, str]]
    today: date


async def _filing_context(session: AsyncSession, caller: Caller, bodies: Sequence[CaseCreate]) -> _FilingContext:
    visible = await visible_units(session, caller)
    unit_ids = {body.unit_id for body in bodies}
    officer_ids = {i for body in bodies for i in (body.lead_handler_id, *body.co_handler_ids)}
    refs = [(body.unit_id, body.external_ref) for body in bodies if body.external_ref]
    units = (await session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))).all()
    officers = (await session.scalars(select(Officer).where(Officer.id.in_(officer_ids)))).all()
    taken = (
        (
            await session.execute(
                select(Case.unit_id, Case.external_ref).where(tuple_(Case.unit_id, Case.external_ref).in_(refs))
            )
        ).all()
        if refs
        else []
    )
    return _FilingContext(
        units={u.id: u for u in units if visible is None or u.id in visible},
        officers={o.id: o for o in officers if visible is None or o.unit_id in visible},
        taken_refs={(unit_id, ref) for unit_id, ref in taken},
        today=today(),
    )


def _check_filing(body: CaseCreate, context: _FilingContext, settings: Settings) -> tuple[Unit, date, list[uuid.UUID]]:
    """The checks of 立案, on data already loaded: unit in scope, date, external_ref, handlers."""
    unit = context.units.get(body.unit_id)
    if unit is None:
        raise not_found("unit")
    filed_on = body.filed_on or context.today
    if filed_on > context.today:
        raise ProblemError(
            422,
            "case.filed_in_future",
            "filed_on is after today.",
            errors=[{"loc": ["body", "filed_on"], "msg": "in the future", "type": "date"}],
        )
    if body.external_ref and (unit.id, body.external_ref) in context.taken_refs:
        raise ProblemError(
            409, "case.external_ref_taken", f"external_ref {body.external_ref} is already used in this unit."
        )
    handlers = checked_handlers(
        context.officers, settings, body.category, body.lead_handler_id, body.co_handler_ids, filed_on
    )
    return unit, filed_on, handlers


async def file_many(
    session: AsyncSession, settings: Settings, caller: Caller, bodies: Sequence[CaseCreate]
) -> list[Case | ProblemError]:
    """立案 of several cases in the caller's transaction; an outcome per body, in order.

    A body that fails a check gets its ProblemError and the others are filed: numbered,
    their statutory deadlines opened, recorded on the timeline and emitted. Whatever the
    batch size, that is a fixed number of statements — the checks' data in three queries,
    one counter increment per unit and year, one INSERT per table, one for the events —
    which is what makes a bulk import fast; ``file`` is the batch of one.
    """
    context = await _filing_context(session, caller, bodies)
    outcomes: list[Case | ProblemError | None] = []
    accepted: list[tuple[int, CaseCreate, Unit, date, list[uuid.UUID]]] = []
    for index, body in enumerate(bodies):
        try:
            unit, filed_on, handlers = _check_filing(body, context, settings)
        except ProblemError as problem:
            outcomes.append(problem)
            continue
        if body.external_ref:  # a second body with the same reference in this batch is refused
            context.taken_refs.add((unit.id, body.external_ref))
        outcomes.append(None)
        accepted.append((index, body, unit, filed_on, handlers))
    if not accepted:
        return outcomes  # type: ignore[return-value]
    numbers = await _take_numbers(session, Counter((unit.id, on.year) for _, _, unit, on, _ in accepted))
    filed: list[tuple[Case, list[uuid.UUID]]] = []
    for index, body, unit, filed_on, handlers in accepted:
        number = next(numbers[(unit.id, filed_on.year)])
        case = Case(
            id=uuid.uuid4(),
            unit_id=unit.id,
            case_year=filed_on.year,
            case_number=number,
            case_no=rules.format_case_no(
                settings.case_no_format, short_name=unit.short_name, year=filed_on.year, number=number
            ),
            category=body.category,
            title=body.title,
            summary=body.summary,
            party=body.party.model_dump(),
            lead_handler_id=body.lead_handler_id,
            co_handler_ids=handlers[1:],
            is_major=body.is_major,
            filed_on=filed_on,
            external_ref=body.external_ref,
            status="filed",
        )
        outcomes[index] = case
        filed.append((case, handlers))
    session.add_all([case for case, _ in filed])
    await session.flush()  # the cases first: deadlines and timeline entries refer to them
    for case, _ in filed:
        policy = settings.deadline_policy(case.category)
        if rules.has_decision_deadline(policy):
            session.add(
                CaseDeadline(
                    id=uuid.uuid4(),
                    case_id=case.id,
                    unit_id=case.unit_id,
                    kind="decision",
                    due_on=rules.decision_due(case.filed_on, policy),
                    basis=DEADLINE_BASIS["decision"],
                )
            )
        await _timeline(session, case, caller, "filing", None, "filed", {"case_no": case.case_no})
    await emit(
        session,
        *(
            CaseFiled(
                case_id=case.id,
                case_no=case.case_no,
                unit_id=case.unit_id,
                category=case.category,
                lead_handler_id=case.lead_handler_id,
                handler_ids=handlers,
                filed_on=case.filed_on,
                is_major=case.is_major,
            )
            for case, handlers in filed
        ),
    )
    return outcomes  # type: ignore[return-value]


async def file(session: AsyncSession, settings: Settings, caller: Caller, body: CaseCreate) -> Case:
    """立案 of one case: validate, number, open the statutory deadlines, record and emit."""
    [outcome] = await file_many(session, settings, caller, [body])
    if isinstance(outcome, ProblemError):
        raise outcome
    return outcome


async def get_visible(session: AsyncSession, caller: Caller, case_id: uuid.UUID, *, lock: bool = False) -> Case:
    statement = select(Case).where(Case.id == case_id)
    if lock:
        statement = statement.with_for_update()
    case = await session.scalar(statement)
    if case is None:
        raise not_found("case")
    await ensure_in_scope(session, caller, case.unit_id, "case")
    return case


#: Roles that act on any case of their scope; an ``officer`` acts on the cases they handle.
SUPERVISING_ROLES = frozenset({"legal_affairs", "unit_leader"})
DATE_FIELDS = (
    "started_on",
    "reviewed_on",
    "held_on",
    "decided_on",
    "served_on",
    "executed_on",
    "closed_on",
    "archived_on",
    "transferred_on",
)


def _check_actor(caller: Caller, case: Case, action: str) -> None:
    """法制审核 is legal affairs' (CASE-4); an officer acts only on cases they handle."""
    if action == "legal-review" and "legal_affairs" not in caller.roles:
        raise ProblemError(
            403, "auth.forbidden", "The legal review (法制审核) is given by legal affairs.", basis=["CASE-4"]
        )
    if not caller.roles & SUPERVISING_ROLES and caller.officer_id not in handler_ids(case):
        raise ProblemError(
            403, "case.not_a_handler", "Only the case's handlers, legal affairs or the unit leader act on a case."
        )


async def _check_acting_handler(session: AsyncSession, caller: Caller, case: Case) -> None:
    """CASE-3 at every step, not only at filing: a handler whose certificate has since expired,
    or who was suspended or revoked (REV-8, ERR-11), no longer acts on the case."""
    if caller.officer_id is None or caller.officer_id not in handler_ids(case):
        return
    officer = await session.get(Officer, caller.officer_id)
    status = status_of(officer) if officer is not None else "uncertified"
    if status != "active":
        raise ProblemError(
            422,
            "case.handler_not_qualified",
            f"You hold no valid, unsuspended certificate ({status}); another handler acts on this case.",
            basis=["CASE-3"],
            handlers=[str(caller.officer_id)],
        )


def _check_dates_not_in_future(body: Any) -> None:
    now = today()
    for field in DATE_FIELDS:
        value = getattr(body, field, None)
        if value is not None and value > now:
            raise ProblemError(
                422,
                "case.date_in_future",
                f"{field} is after today.",
                errors=[{"loc": ["body", field], "msg": "in the future", "type": "date"}],
            )


def _not_before(later: date, earlier: date | None, field: str, what: str) -> None:
    if earlier is not None and later < earlier:
        raise ProblemError(
            422,
            "case.date_out_of_order",
            f"{field} is before {what} ({earlier.isoformat()}).",
            errors=[{"loc": ["body", field], "msg": f"before {what}", "type": "date"}],
        )


async def _meet(session: AsyncSession, case: Case, kind: str, on: date) -> None:
    deadline = await session.scalar(
        select(CaseDeadline).where(CaseDeadline.case_id == case.id, CaseDeadline.kind == kind)
    )
    if deadline is not None and deadline.met_on is None:
        deadline.met_on = on


async def act(
    session: AsyncSession,
    settings: Settings,
    caller: Caller,
    case_id: uuid.UUID,
    action: rules.Action,
    body: Any,
    request: Request | None,
) -> Case:
    """Perform a lifecycle action; 409 with the allowed actions when it is out of order."""
    case = await get_visible(session, caller, case_id, lock=True)
    _check_actor(caller, case, action)
    await _check_acting_handler(session, caller, case)
    if request is not None:
        check_if_match(request, case.version)
    _check_dates_not_in_future(body)
    before = case.status
    after = rules.next_status(action, before, case.category)
    if after is None:
        raise ProblemError(
            409,
            "case.invalid_transition",
            f"'{action}' is not possible while the case is {before}.",
            allowed_actions=rules.allowed_actions(before, case.category),
            status_now=before,
        )
    events: list = []
    details = body.model_dump(mode="json", exclude_none=True) if body is not None else {}
    today_ = today()
    if action == "legal-review":
        after = rules.legal_review_outcome(body.opinion)
        case.legal_review_opinion = body.opinion
    elif action == "hearing":
        _not_before(body.held_on, case.filed_on, "held_on", "filing")
        case.hearing_held_on = body.held_on
    elif action == "decision":
        if rules.decision_blocked_by_missing_legal_review(case.is_major, case.legal_review_opinion == "approved"):
            raise ProblemError(
                422,
                "case.legal_review_required",
                "A major decision needs an approved legal review (法制审核) first.",
                basis=["CASE-4"],
            )
        _not_before(body.decided_on, case.filed_on, "decided_on", "filing")
        case.decided_on, case.decision_type, case.legal_basis = body.decided_on, body.decision_type, body.legal_basis
        case.fine_amount, case.confiscation_amount = body.fine_amount, body.confiscation_amount
        await _meet(session, case, "decision", body.decided_on)
        policy = settings.deadline_policy(case.category)
        session.add(
            CaseDeadline(
                id=uuid.uuid4(),
                case_id=case.id,
                unit_id=case.unit_id,
                kind="service",
                due_on=rules.service_due(body.decided_on, policy),
                basis=DEADLINE_BASIS["service"],
            )
        )
        events.append(
            CaseDecided(
                case_id=case.id,
                unit_id=case.unit_id,
                case_no=case.case_no,
                category=case.category,
                decided_on=body.decided_on,
                decision_type=body.decision_type,
                fine_amount=body.fine_amount,
                confiscation_amount=body.confiscation_amount,
                hearing_held=case.hearing_held_on is not None,
            )
        )
    elif action == "service":
        _not_before(body.served_on, case.decided_on, "served_on", "the decision")
        case.served_on, case.service_method = body.served_on, body.method
        await _meet(session, case, "service", body.served_on)
    elif action == "execution":
        _not_before(body.executed_on, case.served_on, "executed_on", "service")
        case.executed_on = body.executed_on
    elif action == "closure":
        _not_before(
            body.closed_on, case.executed_on or case.served_on or case.filed_on, "closed_on", "the previous stage"
        )
        case.closed_on = body.closed_on
        events.append(
            CaseClosed(
                case_id=case.id,
                case_no=case.case_no,
                unit_id=case.unit_id,
                category=case.category,
                lead_handler_id=case.lead_handler_id,
                handler_ids=handler_ids(case),
                filed_on=case.filed_on,
                closed_on=body.closed_on,
                fine_amount=case.fine_amount,
                confiscation_amount=case.confiscation_amount,
                hearing_held=case.hearing_held_on is not None,
            )
        )
    elif action == "archive":
        _not_before(body.archived_on, case.closed_on, "archived_on", "closure")
        case.archived_on = body.archived_on
        events.append(CaseArchived(case_id=case.id, unit_id=case.unit_id, archived_on=body.archived_on))
    elif action == "transfer":
        case.transferred_to, case.end_reason = body.to, body.reason
        events.append(
            CaseTransferred(
                case_id=case.id,
                unit_id=case.unit_id,
                to=body.to,
                reason=body.reason,
                transferred_on=body.transferred_on or today_,
            )
        )
    elif action == "withdrawal":
        case.end_reason = body.reason
    case.status = after
    if after != before:
        events.insert(0, CaseStageChanged(case_id=case.id, unit_id=case.unit_id, from_status=before, to_status=after))
    await _timeline(session, case, caller, action, before, after, details)
    await session.flush()
    await emit(session, *events)
    return case


# --- legal remedies (CASE-8) -------------------------------------------------------------------


def _check_remedy(status: str, result: str | None, concluded_on: date | None, filed_on: date) -> None:
    if status == "concluded" and (result is None or concluded_on is None):
        raise ProblemError(
            422, "case.remedy_incomplete", "A concluded remedy needs result and concluded_on.", basis=["CASE-8"]
        )
    if status == "pending" and (result is not None or concluded_on is not None):
        raise ProblemError(
            422, "case.remedy_incomplete", "A pending remedy has no result or concluded_on yet.", basis=["CASE-8"]
        )
    if concluded_on is not None and concluded_on < filed_on:
        raise ProblemError(422, "case.date_out_of_order", "concluded_on is before filed_on.")


def remedy_read(remedy: LegalRemedy) -> RemedyRead:
    return RemedyRead.model_validate(remedy, from_attributes=True)


def _remedy_event(case: Case, remedy: LegalRemedy) -> CaseLegalRemedyRecorded:
    return CaseLegalRemedyRecorded(
        case_id=case.id,
        unit_id=case.unit_id,
        remedy_id=remedy.id,
        kind=remedy.kind,
        status=remedy.status,
        result=remedy.result,
        filed_on=remedy.filed_on,
        concluded_on=remedy.concluded_on,
        lead_handler_id=case.lead_handler_id,
        handler_ids=handler_ids(case),
        category=case.category,
    )


async def record_remedy(session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: RemedyCreate) -> LegalRemedy:
    case = await get_visible(session, caller, case_id, lock=True)
    _check_remedy(body.status, body.result, body.concluded_on, body.filed_on)
    remedy = LegalRemedy(id=uuid.uuid4(), case_id=case.id, **body.model_dump())
    session.add(remedy)
    await session.flush()
    await _timeline(
        session,
        case,
        caller,
        "legal-remedy",
        case.status,
        case.status,
        {"remedy_id": str(remedy.id), **body.model_dump(mode="json", exclude_none=True)},
    )
    await emit(session, _remedy_event(case, remedy))
    return remedy


async def update_remedy(
    session: AsyncSession,
    caller: Caller,
    case_id: uuid.UUID,
    remedy_id: uuid.UUID,
    body: RemedyUpdate,
    request: Request,
) -> LegalRemedy:
    case = await get_visible(session, caller, case_id, lock=True)
    remedy = await session.get(LegalRemedy, remedy_id)
    if remedy is None or remedy.case_id != case.id:
        raise not_found("legal remedy")
    check_if_match(request, remedy.version, required=True)
    changes = body.model_dump(exclude_unset=True)
    merged = {"status": remedy.status, "result": remedy.result, "concluded_on": remedy.concluded_on, **changes}
    _check_remedy(merged["status"], merged["result"], merged["concluded_on"], remedy.filed_on)
    for field, value in changes.items():
        setattr(remedy, field, value)
    await session.flush()
    await _timeline(
        session,
        case,
        caller,
        "legal-remedy-update",
        case.status,
        case.status,
        {"remedy_id": str(remedy.id), **body.model_dump(mode="json", exclude_unset=True)},
    )
    await emit(session, _remedy_event(case, remedy))
    return remedy
