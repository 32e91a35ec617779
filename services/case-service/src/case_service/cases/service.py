"""Cases: filing with handler checks and gapless numbers, lifecycle actions, deadlines,
the whole-process timeline and legal remedies — each command one transaction that also
writes its events to the outbox."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import ColumnElement, Row, any_, exists, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import errors
from case_service.cases import rules
from case_service.cases.deadlines import overdue_event
from case_service.cases.schemas import (
    Archive,
    CaseCreate,
    CaseRead,
    Closure,
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
from case_service.config import Settings
from case_service.deps import IMPORT_ROLE
from case_service.events import emit
from case_service.models import (
    Case,
    CaseDeadline,
    CaseDeadlineExtension,
    LegalRemedy,
    Officer,
    TimelineEntry,
    Unit,
)
from case_service.officers.rules import ID_NUMBER_ROLES, RestrictionPeriod, mask_id_number, mask_id_numbers
from case_service.officers.service import restriction_periods, status_of
from case_service.policy import CASE_POLICIES, CasePolicy
from enforcement_common.api.concurrency import check_if_match
from enforcement_common.api.pagination import ListQuery, Page, PageParams, check_range, paginate
from enforcement_common.api.problems import ProblemError
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, list_in_scope, not_found, units_below, visible_units
from enforcement_common.calendar import today
from enforcement_common.contracts import EventData
from enforcement_common.contracts.case import (
    CaseArchived,
    CaseClosed,
    CaseDeadlineExtended,
    CaseDecided,
    CaseFiled,
    CaseHandlersChanged,
    CaseLegalRemedyRecorded,
    CaseStageChanged,
    CaseStatus,
    CaseTransferred,
)
from enforcement_common.policies import PolicyResolver, ResolvedPolicy, resolve

DEADLINE_BASIS = {"decision": ["CASE-9"], "service": ["CASE-9"]}


def handler_ids(case: Case) -> list[uuid.UUID]:
    return [case.lead_handler_id, *[h for h in case.co_handler_ids if h != case.lead_handler_id]]


async def read(session: AsyncSession, case: Case, caller: Caller | None) -> CaseRead:
    """One case as the API shows it, with its deadlines and the actions now possible."""
    [one] = await read_many(session, [case], caller)
    return one


async def read_many(session: AsyncSession, cases: Sequence[Case | Row], caller: Caller | None) -> list[CaseRead]:
    """Cases (objects or rows of ``cases``) as the API shows them; the deadlines of all of them
    in one query (never one per case), read as plain rows."""
    deadlines: dict[uuid.UUID, list[Row]] = {case.id: [] for case in cases}
    if cases:
        columns = CaseDeadline.__table__.c
        rows = await session.execute(
            select(*columns).where(columns.case_id.in_(list(deadlines))).order_by(columns.case_id, columns.due_on)
        )
        for deadline in rows:
            deadlines[deadline.case_id].append(deadline)
    # The history of extended deadlines (CASE-9): one more query, only when a deadline of the
    # page was ever extended.
    extensions: dict[uuid.UUID, list[DeadlineExtensionRead]] = {}
    extended = [d.id for ds in deadlines.values() for d in ds if d.original_due_on is not None]
    if extended:
        for extension in await session.scalars(
            select(CaseDeadlineExtension)
            .where(CaseDeadlineExtension.deadline_id.in_(extended))
            .order_by(CaseDeadlineExtension.created_at, CaseDeadlineExtension.id)
        ):
            extensions.setdefault(extension.deadline_id, []).append(extension_read(extension))
    now = today()
    sees_id_numbers = bool(caller and caller.roles & ID_NUMBER_ROLES)
    actions: dict[tuple[str, str], list[str]] = {}  # a page has few (status, category) pairs
    return [_case_read(case, deadlines[case.id], extensions, now, sees_id_numbers, actions) for case in cases]


def _deadline_read(
    case: Case | Row, d: CaseDeadline | Row, extensions: dict[uuid.UUID, list[DeadlineExtensionRead]], now: date
) -> dict[str, Any]:
    """CASE-9 as CONTRACT.md "deadlines" shows it: a late one reads met_late with days_late
    (plain values of a ``Deadline``, validated with the case)."""
    return {
        "kind": d.kind,
        "due_on": d.due_on,
        "met_on": d.met_on,
        "basis": d.basis,
        "policy_id": d.policy_id,
        "status": rules.deadline_status(d.due_on, d.met_on, now, case.status),
        "days_late": rules.days_late(d.due_on, d.met_on, now, case.status),
        "original_due_on": d.original_due_on or d.due_on,
        "extensions": extensions.get(d.id, []),
    }


#: The fields of CaseRead that are the case's own columns as stored (the others are derived).
_STORED_FIELDS = tuple(
    field for field in CaseRead.model_fields if hasattr(Case, field) and field not in {"party", "deadlines"}
)


def _case_read(
    case: Case | Row,
    deadlines: list[Row],
    extensions: dict[uuid.UUID, list[DeadlineExtensionRead]],
    now: date,
    sees_id_numbers: bool,
    actions: dict[tuple[str, str], list[str]],
) -> CaseRead:
    # One validation of plain values (pydantic's core validates the nested party and deadlines):
    # a page of 50 cases is built in one pass per case, not model by model.
    party = dict(case.party)
    if not sees_id_numbers:
        party["id_number"] = mask_id_number(party.get("id_number"))
    key = (case.status, case.category)
    if key not in actions:
        actions[key] = rules.allowed_actions(case.status, case.category)
    stored = case._mapping if isinstance(case, Row) else {field: getattr(case, field) for field in _STORED_FIELDS}
    return CaseRead.model_validate(
        {
            **stored,  # a row's other columns are not fields of CaseRead: ignored
            "party": party,
            "allowed_actions": actions[key],
            "deadlines": [_deadline_read(case, d, extensions, now) for d in deadlines],
        }
    )


def has_deadline_with_status(status: rules.DeadlineStatus, now: date) -> ColumnElement[bool]:
    """The case has a deadline reading ``status`` today — :func:`rules.deadline_status` in SQL,
    one correlated EXISTS over the deadlines' case_id index (no per-item query)."""
    d = CaseDeadline
    ended = Case.status.in_(sorted(rules.ENDED_STATUSES))
    unmet = d.met_on.is_(None)
    conditions: dict[str, list[ColumnElement[bool]]] = {
        "met": [d.met_on.is_not(None), or_(d.due_on.is_(None), d.met_on <= d.due_on)],
        "met_late": [d.met_on.is_not(None), d.due_on.is_not(None), d.met_on > d.due_on],
        "lapsed": [unmet, ended],
        "awaiting_calendar": [unmet, ~ended, d.due_on.is_(None)],
        "overdue": [unmet, ~ended, d.due_on < now],
        "open": [unmet, ~ended, d.due_on >= now],
    }
    return exists().where(d.case_id == Case.id, *conditions[status])


async def list_page(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    unit_id: uuid.UUID | None,
    category: str | None,
    status: str | None,
    handler_id: uuid.UUID | None,
    filed: tuple[date | None, date | None],
    closed: tuple[date | None, date | None],
    q: str | None,
    deadline_status: rules.DeadlineStatus | None = None,
) -> Page[CaseRead]:
    """Cases in the caller's scope, oldest filing first, with the list's filters; with
    ``deadline_status``, those having a deadline in that status (CASE-9: breaches stay queryable)."""
    check_range("filed", *filed)
    check_range("closed", *closed)
    query = (
        (await list_in_scope(session, caller, Case.unit_id))
        .equal(Case.unit_id, unit_id)
        .equal(Case.category, category)
        .equal(Case.status, status)
        .where(or_(Case.lead_handler_id == handler_id, handler_id == any_(Case.co_handler_ids)), given=handler_id)
        .range(Case.filed_on, *filed, name="filed")
        .range(Case.closed_on, *closed, name="closed")
        .where(has_deadline_with_status(deadline_status, today()) if deadline_status else None, given=deadline_status)
    )
    if q:
        query = query.where(
            or_(
                Case.title.contains(q, autoescape=True),
                Case.case_no.contains(q, autoescape=True),
                Case.party["name"].astext.contains(q, autoescape=True),
            )
        )
    # Plain rows, not ORM objects: a page is read, never changed, and building 50 mapped
    # instances (identity map, attribute state) cost more than the rest of the request.
    columns = Case.__table__.c
    rows, cursor = await ListQuery(query.statement.with_only_columns(*columns)).page(
        session, [columns.filed_on, columns.id], page, scalars=False
    )
    return Page[CaseRead](items=await read_many(session, rows, caller), next_cursor=cursor)


async def timeline(session: AsyncSession, caller: Caller, case_id: uuid.UUID, page: PageParams) -> Page[TimelineRead]:
    """The whole-process record (全过程记录, CASE-5); ID numbers masked for roles without need."""
    await get_visible(session, caller, case_id)
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
    policy: ResolvedPolicy[CasePolicy],
    category: str,
    lead: uuid.UUID,
    co: list[uuid.UUID],
    on: date,
    periods: dict[uuid.UUID, list[RestrictionPeriod]] | None = None,
) -> list[uuid.UUID]:
    """CASE-3 and CASE-9 on the handlers of a case, under the policy in force for it on
    ``on``; returns them, lead first. Each handler is checked as of ``on``: the certificate
    issued by then and not expired, no suspension or revocation in force then (``periods``,
    their restriction history, for a date before today).

    ``officers`` holds only those the caller may see: others read as unknown, so their
    names and status are not disclosed."""
    ids = list(dict.fromkeys([lead, *co]))
    unknown = [str(i) for i in ids if i not in officers]
    if unknown:
        raise errors.UNKNOWN_HANDLER(
            f"Unknown officers: {', '.join(unknown)}.",
            errors=[
                {
                    "loc": ["body", "co_handler_ids" if str(lead) not in unknown else "lead_handler_id"],
                    "msg": "unknown officer",
                    "type": "reference",
                }
            ],
        )
    statuses = {i: status_of(officers[i], on, periods.get(i) if periods else None) for i in ids}
    check = rules.check_handlers(
        {str(i): status for i, status in statuses.items()},
        category,
        required=policy.values.handlers_required(category),
    )
    if check.unqualified:
        names = ", ".join(f"{officers[uuid.UUID(i)].name} ({statuses[uuid.UUID(i)]})" for i in check.unqualified)
        raise errors.HANDLER_NOT_QUALIFIED(
            f"Handlers without a valid, unsuspended certificate: {names}.",
            basis=["CASE-3"],
            handlers=check.unqualified,
        )
    if check.too_few:
        raise errors.TOO_FEW_HANDLERS(
            f"A {category} case needs at least {check.required} certified handlers; {check.qualified_count} given.",
            basis=["CASE-9"],
            policy_id=str(policy.policy_id),
        )
    return ids


@dataclass(frozen=True)
class _FilingContext:
    """What the checks of a filing read, loaded once for a whole batch."""

    units: dict[uuid.UUID, Unit]  # those the caller may see
    officers: dict[uuid.UUID, Officer]  # those the caller may see
    taken_refs: set[tuple[uuid.UUID, str]]
    today: date
    #: The policy in force for each (unit, filing date) of the batch (CASE-9 values), and for
    #: each (unit, today) — the back-dating window of a filing recorded today (CASE-3).
    policies: dict[tuple[uuid.UUID, date], ResolvedPolicy[CasePolicy]]
    #: The restriction history of the officers named by a filing dated before today.
    periods: dict[uuid.UUID, list[RestrictionPeriod]]
    #: The platform's import role may date a filing before the back-dating window (CASE-3).
    may_backdate: bool


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
    now = today()
    visible_unit_ids = {u.id for u in units if visible is None or u.id in visible}
    resolver = PolicyResolver(session, CASE_POLICIES)
    policies = {}
    for body in bodies:
        on = body.filed_on or now
        if body.unit_id in visible_unit_ids and on <= now:
            for day in (on, now):
                if (body.unit_id, day) not in policies:
                    policies[(body.unit_id, day)] = await resolver(body.unit_id, day)
    backdated = {
        i for body in bodies if (body.filed_on or now) < now for i in (body.lead_handler_id, *body.co_handler_ids)
    }
    return _FilingContext(
        units={u.id: u for u in units if u.id in visible_unit_ids},
        officers={o.id: o for o in officers if visible is None or o.unit_id in visible},
        taken_refs={(unit_id, ref) for unit_id, ref in taken},
        today=now,
        policies=policies,
        periods=await restriction_periods(session, backdated & {o.id for o in officers}),
        may_backdate=IMPORT_ROLE in caller.roles,
    )


def _check_filing(body: CaseCreate, context: _FilingContext, settings: Settings) -> tuple[Unit, date, list[uuid.UUID]]:
    """The checks of 立案, on data already loaded: unit in scope, date, external_ref, handlers."""
    unit = context.units.get(body.unit_id)
    if unit is None:
        raise not_found("unit")
    filed_on = body.filed_on or context.today
    if filed_on > context.today:
        raise errors.FILED_IN_FUTURE(
            "filed_on is after today.",
            errors=[{"loc": ["body", "filed_on"], "msg": "in the future", "type": "date"}],
        )
    window = context.policies[(unit.id, context.today)]
    if rules.filed_before_window(
        filed_on, context.today, window.values.backdating_days, may_backdate=context.may_backdate
    ):
        earliest = rules.earliest_filing_date(context.today, window.values.backdating_days)
        raise errors.FILED_BEFORE_BACKDATING_WINDOW(
            f"filed_on is before {earliest.isoformat()}: a filing is dated at most "
            f"{window.values.backdating_days} days back; older cases come in through the platform's import.",
            basis=["CASE-3"],
            policy_id=str(window.policy_id),
            errors=[{"loc": ["body", "filed_on"], "msg": "before the back-dating window", "type": "date"}],
        )
    if body.external_ref and (unit.id, body.external_ref) in context.taken_refs:
        raise errors.EXTERNAL_REF_TAKEN(f"external_ref {body.external_ref} is already used in this unit.")
    handlers = checked_handlers(
        context.officers,
        context.policies[(unit.id, filed_on)],
        body.category,
        body.lead_handler_id,
        body.co_handler_ids,
        filed_on,
        context.periods,
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
        policy = context.policies[(case.unit_id, case.filed_on)]
        period = policy.values.deadline(case.category)
        if rules.has_decision_deadline(period):
            session.add(
                CaseDeadline(
                    id=uuid.uuid4(),
                    case_id=case.id,
                    unit_id=case.unit_id,
                    kind="decision",
                    due_on=rules.decision_due(case.filed_on, period),
                    basis=DEADLINE_BASIS["decision"],
                    policy_id=policy.policy_id,
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
    return await get_in_scope(session, caller, Case, case_id, "case", lock=lock)


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
        raise errors.NOT_A_HANDLER("Only the case's handlers, legal affairs or the unit leader act on a case.")


async def _check_acting_handler(session: AsyncSession, caller: Caller, case: Case) -> None:
    """CASE-3 at every step, not only at filing: a handler whose certificate has since expired,
    or who was suspended or revoked (REV-8, ERR-11), no longer acts on the case."""
    if caller.officer_id is None or caller.officer_id not in handler_ids(case):
        return
    officer = await session.get(Officer, caller.officer_id)
    status = status_of(officer) if officer is not None else "uncertified"
    if status != "active":
        raise errors.HANDLER_NOT_QUALIFIED(
            f"You hold no valid, unsuspended certificate ({status}); another handler acts on this case.",
            basis=["CASE-3"],
            handlers=[str(caller.officer_id)],
        )


async def _check_handlers_on_date(session: AsyncSession, case: Case, action: str, body: Any) -> None:
    """CASE-3 and CASE-9 at every step that decides or acts toward the party (调查取证, 审查决定,
    送达, 执行): at least the policy's number of the case's handlers qualified on the action's
    date — certificate issued and unexpired, no suspension or revocation in force that day."""
    field = rules.QUALIFIED_HANDLER_ACTIONS.get(action)
    if field is None:
        return
    on = getattr(body, field, None) or today()
    ids = handler_ids(case)
    officers = {o.id: o for o in await session.scalars(select(Officer).where(Officer.id.in_(ids)))}
    periods = await restriction_periods(session, list(officers))
    statuses = {i: status_of(officers[i], on, periods[i]) if i in officers else "uncertified" for i in ids}
    policy = await resolve(session, CASE_POLICIES, case.unit_id, on)
    check = rules.check_handlers(
        {str(i): s for i, s in statuses.items()}, case.category, required=policy.values.handlers_required(case.category)
    )
    if check.too_few:
        raise errors.HANDLERS_NOT_QUALIFIED_ON_DATE(
            f"'{action}' on {on.isoformat()} needs {check.required} handler(s) holding a valid, unsuspended "
            f"certificate that day; {check.qualified_count} of the case's handlers do.",
            basis=["CASE-3", "CASE-9"],
            policy_id=str(policy.policy_id),
            handlers=check.unqualified,
            statuses={i: statuses[uuid.UUID(i)] for i in check.unqualified},
        )


def _check_dates_not_in_future(body: Any) -> None:
    now = today()
    for field in DATE_FIELDS:
        value = getattr(body, field, None)
        if value is not None and value > now:
            raise errors.DATE_IN_FUTURE(
                f"{field} is after today.",
                errors=[{"loc": ["body", field], "msg": "in the future", "type": "date"}],
            )


def _not_before(later: date, earlier: date | None, field: str, what: str) -> None:
    if earlier is not None and later < earlier:
        raise errors.DATE_OUT_OF_ORDER(
            f"{field} is before {what} ({earlier.isoformat()}).",
            errors=[{"loc": ["body", field], "msg": f"before {what}", "type": "date"}],
        )


def _record_breach(deadline: CaseDeadline) -> list[EventData]:
    """CASE-9: the deadline's one case.deadline_overdue, unless already written (by the scanner
    or an earlier action) — whether a breach is recorded never depends on when the scanner ran."""
    if deadline.overdue_emitted_at is not None:
        return []
    deadline.overdue_emitted_at = datetime.now(UTC)
    return [overdue_event(deadline)]


async def _meet(session: AsyncSession, case: Case, kind: str, on: date) -> list[EventData]:
    """The deadline of ``kind`` met on ``on``; met after its last day (met_late), its overdue
    event is written now if the scanner has not yet (CASE-9). The row is locked first, so the
    scanner (which skips locked rows and re-checks met_on) and this never both emit."""
    deadline = await session.scalar(
        select(CaseDeadline).where(CaseDeadline.case_id == case.id, CaseDeadline.kind == kind).with_for_update()
    )
    if deadline is None or deadline.met_on is not None:
        return []
    deadline.met_on = on
    return _record_breach(deadline) if rules.is_breached(deadline.due_on, on) else []


async def _end_deadlines(session: AsyncSession, case: Case, on: date) -> list[EventData]:
    """The case ends on ``on`` (closed, transferred, withdrawn): its unmet deadlines lapse, and
    those whose last day had already passed have their breach recorded now, once (CASE-9)."""
    deadlines = await session.scalars(
        select(CaseDeadline)
        .where(CaseDeadline.case_id == case.id, CaseDeadline.met_on.is_(None), CaseDeadline.due_on < on)
        .with_for_update()
    )
    return [event for deadline in deadlines for event in _record_breach(deadline)]


@dataclass
class _Step:
    """A lifecycle action under way: the locked case, its status before and the one it leads to."""

    case: Case
    action: rules.Action
    before: CaseStatus
    after: CaseStatus
    details: dict[str, Any]


async def _locked_for(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, action: str, if_match: str | None
) -> Case:
    """The case in scope, locked, for ``action`` by ``caller`` (the actor's role and
    qualification, CASE-3/CASE-4), at the version If-Match names when given."""
    case = await get_visible(session, caller, case_id, lock=True)
    _check_actor(caller, case, action)
    await _check_acting_handler(session, caller, case)
    check_if_match(if_match, case.version)
    return case


async def _begin(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, action: rules.Action, body: Any, if_match: str | None
) -> _Step:
    """What every lifecycle action checks first: the case in scope (locked), the actor, If-Match,
    dates, and the CASE-2 transition — 409 with the allowed actions when it is out of order."""
    case = await _locked_for(session, caller, case_id, action, if_match)
    _check_dates_not_in_future(body)
    before = case.status
    after = rules.next_status(action, before, case.category)
    if after is None:
        raise errors.INVALID_TRANSITION(
            f"'{action}' is not possible while the case is {before}.",
            allowed_actions=rules.allowed_actions(before, case.category),
            status_now=before,
        )
    await _check_handlers_on_date(session, case, action, body)
    details = body.model_dump(mode="json", exclude_none=True) if body is not None else {}
    return _Step(case, action, before, after, details)


async def _finish(
    session: AsyncSession, caller: Caller, step: _Step, *events: EventData, ended_on: date | None = None
) -> Case:
    """Move the case to its new status, record the step (CASE-5) and emit its events; a case
    that ends (``ended_on``) records the breaches of its deadlines first (CASE-9)."""
    case = step.case
    case.status = step.after
    emitted = list(events)
    if ended_on is not None:
        emitted.extend(await _end_deadlines(session, case, ended_on))
    if step.after != step.before:
        emitted.insert(
            0, CaseStageChanged(case_id=case.id, unit_id=case.unit_id, from_status=step.before, to_status=step.after)
        )
    await _timeline(session, case, caller, step.action, step.before, step.after, step.details)
    await session.flush()
    await emit(session, *emitted)
    return case


async def investigate(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: InvestigationStart, if_match: str | None
) -> Case:
    """调查取证: the investigation starts."""
    step = await _begin(session, caller, case_id, "investigation", body, if_match)
    return await _finish(session, caller, step)


async def review_legally(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: LegalReview, if_match: str | None
) -> Case:
    """法制审核 (CASE-4): approved, the case may be decided; returned, it goes back to investigation."""
    step = await _begin(session, caller, case_id, "legal-review", body, if_match)
    step.after = rules.legal_review_outcome(body.opinion)
    step.case.legal_review_opinion = body.opinion
    return await _finish(session, caller, step)


async def hear(session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: Hearing, if_match: str | None) -> Case:
    """听证 (CASE-7): a hearing held."""
    step = await _begin(session, caller, case_id, "hearing", body, if_match)
    _not_before(body.held_on, step.case.filed_on, "held_on", "filing")
    step.case.hearing_held_on = body.held_on
    return await _finish(session, caller, step)


async def decide(
    session: AsyncSession, settings: Settings, caller: Caller, case_id: uuid.UUID, body: Decision, if_match: str | None
) -> Case:
    """审查决定 (CASE-7): a major case needs an approved legal review first (CASE-4); the
    decision deadline is met and the service deadline opens (CASE-9)."""
    step = await _begin(session, caller, case_id, "decision", body, if_match)
    case = step.case
    if rules.decision_blocked_by_missing_legal_review(case.is_major, case.legal_review_opinion == "approved"):
        raise errors.LEGAL_REVIEW_REQUIRED(
            "A major decision needs an approved legal review (法制审核) first.",
            basis=["CASE-4"],
        )
    _not_before(body.decided_on, case.filed_on, "decided_on", "filing")
    problem = rules.penalty_kinds_problem(
        case.category, body.penalty_kinds, body.fine_amount, body.confiscation_amount, body.penalty_outcome
    )
    if problem:
        field = "penalty_outcome" if "penalty_outcome" in problem else "penalty_kinds"
        raise errors.INVALID_PENALTY_KINDS(
            f"{problem}.",
            basis=["STAT-7"],
            errors=[{"loc": ["body", field], "msg": problem, "type": "value_error"}],
        )
    case.decided_on, case.decision_type, case.legal_basis = body.decided_on, body.decision_type, body.legal_basis
    case.penalty_kinds = rules.canonical_penalty_kinds(body.penalty_kinds)
    case.penalty_outcome = rules.penalty_outcome(case.category, body.penalty_outcome)
    imposed = case.penalty_outcome in (None, "imposed")  # a decision imposing nothing has no amounts
    case.fine_amount = body.fine_amount if imposed else None
    case.confiscation_amount = body.confiscation_amount if imposed else None
    breaches = await _meet(session, case, "decision", body.decided_on)
    policy = await resolve(session, CASE_POLICIES, case.unit_id, body.decided_on)  # in force on the decision
    period = policy.values.deadline(case.category)
    # CASE-9: only where a statute sets a service period — for a penalty case whatever its outcome
    # (a 不予行政处罚决定书 is served too, and starts the time limits of 复议 and 诉讼).
    if rules.has_service_deadline(period):
        session.add(
            CaseDeadline(
                id=uuid.uuid4(),
                case_id=case.id,
                unit_id=case.unit_id,
                kind="service",
                due_on=rules.service_due(body.decided_on, period),
                basis=DEADLINE_BASIS["service"],
                policy_id=policy.policy_id,
            )
        )
    decided = CaseDecided(
        case_id=case.id,
        unit_id=case.unit_id,
        case_no=case.case_no,
        category=case.category,
        decided_on=body.decided_on,
        decision_type=body.decision_type,
        penalty_kinds=case.penalty_kinds,
        penalty_outcome=case.penalty_outcome,
        fine_amount=case.fine_amount,
        confiscation_amount=case.confiscation_amount,
        hearing_held=case.hearing_held_on is not None,
    )
    return await _finish(session, caller, step, decided, *breaches)


async def serve(session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: Service, if_match: str | None) -> Case:
    """送达: the decision is served; the service deadline is met."""
    step = await _begin(session, caller, case_id, "service", body, if_match)
    case = step.case
    _not_before(body.served_on, case.decided_on, "served_on", "the decision")
    case.served_on, case.service_method = body.served_on, body.method
    breaches = await _meet(session, case, "service", body.served_on)
    return await _finish(session, caller, step, *breaches)


async def execute(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: Execution, if_match: str | None
) -> Case:
    """执行: the decision is executed."""
    step = await _begin(session, caller, case_id, "execution", body, if_match)
    _not_before(body.executed_on, step.case.served_on, "executed_on", "service")
    step.case.executed_on = body.executed_on
    return await _finish(session, caller, step)


async def close(session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: Closure, if_match: str | None) -> Case:
    """结案: emits case.closed, from which review-service opens the self-review (REV-5)."""
    step = await _begin(session, caller, case_id, "closure", body, if_match)
    case = step.case
    _not_before(body.closed_on, case.executed_on or case.served_on or case.filed_on, "closed_on", "the previous stage")
    case.closed_on = body.closed_on
    closed = CaseClosed(
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
    return await _finish(session, caller, step, closed, ended_on=body.closed_on)


async def archive(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: Archive, if_match: str | None
) -> Case:
    """归档: the file is archived."""
    step = await _begin(session, caller, case_id, "archive", body, if_match)
    case = step.case
    _not_before(body.archived_on, case.closed_on, "archived_on", "closure")
    case.archived_on = body.archived_on
    return await _finish(
        session, caller, step, CaseArchived(case_id=case.id, unit_id=case.unit_id, archived_on=body.archived_on)
    )


async def transfer(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: Transfer, if_match: str | None
) -> Case:
    """移送 (CASE-6): to the police or another agency."""
    step = await _begin(session, caller, case_id, "transfer", body, if_match)
    case = step.case
    case.transferred_to, case.end_reason = body.to, body.reason
    transferred = CaseTransferred(
        case_id=case.id,
        unit_id=case.unit_id,
        to=body.to,
        reason=body.reason,
        transferred_on=body.transferred_on or today(),
    )
    return await _finish(session, caller, step, transferred, ended_on=transferred.transferred_on)


async def withdraw(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: Withdrawal, if_match: str | None
) -> Case:
    """撤销立案: the case is withdrawn."""
    step = await _begin(session, caller, case_id, "withdrawal", body, if_match)
    step.case.end_reason = body.reason
    return await _finish(session, caller, step, ended_on=today())


async def change_handlers(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: HandlersChange, if_match: str | None
) -> Case:
    """承办人员变更 by the unit leader or legal affairs while the case is open: the new handlers
    are officers of the case's unit or below, in the caller's scope (the same 404 for an unknown
    one), qualified on ``changed_on``, at least the policy's number (CASE-3, CASE-9). The change
    is recorded (CASE-5) and announced (``case.handlers_changed``): the directory of every
    service follows it (e.g. who may record an interference, INT-3)."""
    if not caller.roles & SUPERVISING_ROLES:
        raise ProblemError(403, "auth.forbidden", "The unit leader or legal affairs changes a case's handlers.")
    case = await _locked_for(session, caller, case_id, "handlers", if_match)
    if case.status in rules.ENDED_STATUSES:
        raise errors.INVALID_TRANSITION(
            f"The handlers of a case that is {case.status} no longer change.",
            allowed_actions=rules.allowed_actions(case.status, case.category),
            status_now=case.status,
        )
    changed_on = body.changed_on or today()
    _not_before(changed_on, case.filed_on, "changed_on", "filing")
    ids = {body.lead_handler_id, *body.co_handler_ids}
    below = await units_below(session, case.unit_id)
    visible = await visible_units(session, caller)
    officers = {
        o.id: o
        for o in await session.scalars(select(Officer).where(Officer.id.in_(ids)))
        if o.unit_id in below and (visible is None or o.unit_id in visible)
    }
    policy = await resolve(session, CASE_POLICIES, case.unit_id, changed_on)
    periods = await restriction_periods(session, list(officers)) if changed_on < today() else None
    before = [str(i) for i in handler_ids(case)]
    handlers = checked_handlers(
        officers, policy, case.category, body.lead_handler_id, body.co_handler_ids, changed_on, periods
    )
    case.lead_handler_id, case.co_handler_ids = handlers[0], handlers[1:]
    details = {
        "from": before,
        "to": [str(i) for i in handlers],
        "changed_on": changed_on.isoformat(),
        "reason": body.reason,
    }
    await _timeline(session, case, caller, "handlers", case.status, case.status, details)
    await session.flush()
    await emit(
        session,
        CaseHandlersChanged(
            case_id=case.id,
            unit_id=case.unit_id,
            case_no=case.case_no,
            lead_handler_id=handlers[0],
            handler_ids=handlers,
            changed_on=changed_on,
        ),
    )
    return case


# --- legal remedies (CASE-8) -------------------------------------------------------------------


def _check_remedy(case: Case, status: str, result: str | None, concluded_on: date | None, filed_on: date) -> None:
    """CASE-8: a remedy challenges a decision — the case is decided (or further on), the remedy
    filed between the decision and today, concluded between its filing and today, and a
    concluded remedy has its result."""
    if case.status not in rules.DECIDED_STATUSES:
        raise errors.REMEDY_BEFORE_DECISION(
            f"The case is {case.status}: a reconsideration, litigation or compensation challenges a decision.",
            basis=["CASE-8"],
            status_now=case.status,
        )
    if status == "concluded" and (result is None or concluded_on is None):
        raise errors.REMEDY_INCOMPLETE("A concluded remedy needs result and concluded_on.", basis=["CASE-8"])
    if status == "pending" and (result is not None or concluded_on is not None):
        raise errors.REMEDY_INCOMPLETE("A pending remedy has no result or concluded_on yet.", basis=["CASE-8"])
    problem = rules.remedy_date_problem(filed_on, concluded_on, case.decided_on, today())
    if problem:
        field, what = problem
        raise errors.REMEDY_DATE_OUT_OF_RANGE(
            f"{field} is {what}.",
            basis=["CASE-8"],
            errors=[{"loc": ["body", field], "msg": what, "type": "date"}],
        )


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


async def list_remedies(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, page: PageParams
) -> Page[RemedyRead]:
    """The case's reconsiderations, litigations and compensations (CASE-8), in filing order."""
    await get_visible(session, caller, case_id)
    remedies, cursor = await paginate(
        session,
        select(LegalRemedy).where(LegalRemedy.case_id == case_id),
        [LegalRemedy.filed_on, LegalRemedy.id],
        page,
    )
    return Page[RemedyRead](items=[remedy_read(r) for r in remedies], next_cursor=cursor)


async def record_remedy(session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: RemedyCreate) -> LegalRemedy:
    case = await get_visible(session, caller, case_id, lock=True)
    _check_remedy(case, body.status, body.result, body.concluded_on, body.filed_on)
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
    if_match: str | None,
) -> LegalRemedy:
    case = await get_visible(session, caller, case_id, lock=True)
    remedy = await session.get(LegalRemedy, remedy_id)
    if remedy is None or remedy.case_id != case.id:
        raise not_found("legal remedy")
    check_if_match(if_match, remedy.version, required=True)
    changes = body.model_dump(exclude_unset=True)
    merged = {"status": remedy.status, "result": remedy.result, "concluded_on": remedy.concluded_on, **changes}
    _check_remedy(case, merged["status"], merged["result"], merged["concluded_on"], remedy.filed_on)
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


# --- deadline extensions (CASE-9) ---------------------------------------------------------------


def extension_read(extension: CaseDeadlineExtension) -> DeadlineExtensionRead:
    return DeadlineExtensionRead.model_validate(extension, from_attributes=True)


_EXTENSION_REFUSALS = {
    "not_extendable": lambda body: errors.DEADLINE_NOT_EXTENDABLE(
        f"The case has no running {body.kind} deadline that may be extended (only the decision period of "
        "行政处罚法 第六十条 is, while it runs).",
        basis=["CASE-9"],
        errors=[{"loc": ["body", "kind"], "msg": "not extendable", "type": "deadline"}],
    ),
    "not_later": lambda body: errors.EXTENSION_NOT_LATER(
        "new_due_on is not after the deadline's current last day.",
        basis=["CASE-9"],
        errors=[{"loc": ["body", "new_due_on"], "msg": "not after the current due_on", "type": "date"}],
    ),
    "approved_in_future": lambda body: errors.DATE_IN_FUTURE(
        "approved_on is after today.",
        errors=[{"loc": ["body", "approved_on"], "msg": "in the future", "type": "date"}],
    ),
    "approved_before_filing": lambda body: errors.DATE_OUT_OF_ORDER(
        "approved_on is before the filing.",
        errors=[{"loc": ["body", "approved_on"], "msg": "before filing", "type": "date"}],
    ),
    "approved_after_due": lambda body: errors.EXTENSION_APPROVED_LATE(
        "approved_on is after the deadline's current last day: a breach is not undone by a later approval.",
        basis=["CASE-9"],
        errors=[{"loc": ["body", "approved_on"], "msg": "after the current due_on", "type": "date"}],
    ),
}


async def extend_deadline(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, body: DeadlineExtensionCreate, if_match: str | None
) -> CaseDeadlineExtension:
    """延长办案期限 (行政处罚法 第六十条, CASE-9): an approved extension moves the deadline's last
    day; the original and every extension stay on record (history, timeline, event)."""
    case = await _locked_for(session, caller, case_id, "deadline-extension", if_match)
    approver = await get_in_scope(session, caller, Officer, body.approved_by, "officer")
    deadline = await session.scalar(
        select(CaseDeadline).where(CaseDeadline.case_id == case.id, CaseDeadline.kind == body.kind).with_for_update()
    )
    refusal = rules.check_extension(
        body.kind,
        due_on=deadline.due_on if deadline else None,
        met_on=deadline.met_on if deadline else None,
        case_status=case.status,
        filed_on=case.filed_on,
        new_due_on=body.new_due_on,
        approved_on=body.approved_on,
        today=today(),
    )
    if refusal is not None or deadline is None or deadline.due_on is None:
        raise _EXTENSION_REFUSALS[refusal or "not_extendable"](body)
    previous = deadline.due_on
    extension = CaseDeadlineExtension(
        id=uuid.uuid4(),
        case_id=case.id,
        deadline_id=deadline.id,
        kind=deadline.kind,
        previous_due_on=previous,
        new_due_on=body.new_due_on,
        approved_by=approver.id,
        approved_on=body.approved_on,
        reason=body.reason,
        recorded_by=caller.sub,
        created_at=datetime.now(UTC),
    )
    session.add(extension)
    deadline.original_due_on = deadline.original_due_on or previous
    deadline.due_on = body.new_due_on
    case.updated_at = datetime.now(UTC)  # the case reads differently: a new version (ETag, If-Match)
    await session.flush()
    await _timeline(
        session,
        case,
        caller,
        "deadline-extension",
        case.status,
        case.status,
        {"extension_id": str(extension.id), "previous_due_on": previous.isoformat(), **body.model_dump(mode="json")},
    )
    await emit(
        session,
        CaseDeadlineExtended(
            case_id=case.id,
            unit_id=case.unit_id,
            extension_id=extension.id,
            kind=deadline.kind,
            previous_due_on=previous,
            due_on=body.new_due_on,
            original_due_on=deadline.original_due_on,
            approved_by=approver.id,
            approved_on=body.approved_on,
            basis=deadline.basis,
        ),
    )
    return extension


async def list_extensions(
    session: AsyncSession, caller: Caller, case_id: uuid.UUID, page: PageParams
) -> Page[DeadlineExtensionRead]:
    """The approved extensions of a case's deadlines, oldest first (CASE-9)."""
    await get_visible(session, caller, case_id)
    extensions, cursor = await paginate(
        session,
        select(CaseDeadlineExtension).where(CaseDeadlineExtension.case_id == case_id),
        [CaseDeadlineExtension.created_at, CaseDeadlineExtension.id],
        page,
    )
    return Page[DeadlineExtensionRead](items=[extension_read(e) for e in extensions], next_cursor=cursor)
