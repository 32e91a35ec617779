"""Error cases (错案责任倒查问责): opened from a source of ERR-5 (by hand, or automatically from a
concluded legal remedy), transferred when out of jurisdiction or investigated, found, decided
collectively, sanctioned (ERR-11) — honouring tolerance decisions (TOL-15) — re-investigated
within a month (ERR-10) and appealed (ERR-12). The one place that reads and writes them."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import any_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from accountability_service import errors
from accountability_service.directory import case_in_scope, officer_in_scope
from accountability_service.error_cases import rules
from accountability_service.error_cases.schemas import (
    AppealCreate,
    AppealDecision,
    AppealRead,
    Deadline,
    Determination,
    ErrorCaseCreate,
    ErrorCaseRead,
    Findings,
    Investigation,
    Proposal,
    ReinvestigationOrder,
    RespondentRead,
    Team,
    Transfer,
)
from accountability_service.events import emit
from accountability_service.models import Appeal, ErrorCase, OfficerView, Respondent, ToleranceDecision
from accountability_service.policy import ACCOUNTABILITY_POLICIES
from enforcement_common.api.concurrency import check_if_match
from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import ensure_in_scope, get_in_scope, list_in_scope
from enforcement_common.calendar import CalendarNotCovered, due_date, today
from enforcement_common.contracts.accountability import (
    ErrorCaseDecided,
    ErrorCaseOpened,
    SanctionImposed,
    SanctionWithdrawn,
)
from enforcement_common.contracts.accountability import Respondent as RespondentEvent
from enforcement_common.contracts.case import CaseLegalRemedyRecorded
from enforcement_common.policies import resolve

# --- reading ---------------------------------------------------------------------------------


def transfer_deadline(case: ErrorCase) -> list[Deadline]:
    """ERR-10 (一): transfer within 2 days of acceptance — open while accepted, met (late) once
    transferred; a case taken into investigation was in jurisdiction (no transfer owed)."""
    basis = ["ERR-10"]
    if case.status not in ("accepted", "transferred"):
        return []
    due = case.transfer_due_on
    if case.transferred_on is not None:
        late = (case.transferred_on - due).days if due else 0
        return [
            Deadline(
                kind="transfer",
                due_on=due,
                status="met_late" if late > 0 else "met",
                days_late=late if late > 0 else None,
                basis=basis,
                policy_id=case.policy_id,
            )
        ]
    if due is None:
        return [
            Deadline(kind="transfer", due_on=None, status="awaiting_calendar", basis=basis, policy_id=case.policy_id)
        ]
    status = "overdue" if today() > due else "open"
    return [Deadline(kind="transfer", due_on=due, status=status, basis=basis, policy_id=case.policy_id)]


def read_respondent(r: Respondent) -> RespondentRead:
    return RespondentRead(
        id=r.id,
        officer_id=r.officer_id,
        behaviours=r.behaviours,
        lighter_grounds=r.lighter_grounds,
        heavier_grounds=r.heavier_grounds,
        facts=r.facts,
        proposal=Proposal.model_validate(r.proposal),
        handling=r.handling,
        departure_reasons=r.departure_reasons,
        sanctions=r.sanctions,
        withdrawn_sanctions=r.withdrawn_sanctions,
        tolerated=r.tolerated,
        tolerance_application_id=r.tolerance_application_id,
        basis=r.basis,
    )


async def _respondents(session: AsyncSession, case_id: uuid.UUID) -> list[Respondent]:
    return list(
        (
            await session.scalars(
                select(Respondent).where(Respondent.error_case_id == case_id).order_by(Respondent.officer_id)
            )
        ).all()
    )


async def read(session: AsyncSession, case: ErrorCase) -> ErrorCaseRead:
    team = (
        Team(member_ids=case.team_member_ids, appointed_by=case.team_appointed_by, appointed_on=case.team_appointed_on)
        if case.team_member_ids
        else None
    )
    return ErrorCaseRead(
        id=case.id,
        unit_id=case.unit_id,
        case_id=case.case_id,
        source=case.source,
        description=case.description,
        received_on=case.received_on,
        status=case.status,
        remedy_id=case.remedy_id,
        deadlines=transfer_deadline(case),
        transferred_on=case.transferred_on,
        transferred_to=case.transferred_to,
        team=team,
        decided_on=case.decided_on,
        collective_discussion_on=case.collective_discussion_on,
        is_error_case=case.is_error_case,
        referral=case.referral or [],
        reinvestigation_due_on=case.reinvestigation_due_on,
        reinvestigation_ordered_on=case.reinvestigation_ordered_on,
        respondents=[read_respondent(r) for r in await _respondents(session, case.id)],
        version=case.version,
        basis=["ERR-5", "ERR-10"],
        policy_id=case.policy_id,
    )


async def get(session: AsyncSession, caller: Caller, error_case_id: uuid.UUID) -> ErrorCase:
    return await get_in_scope(session, caller, ErrorCase, error_case_id, "error case")


async def list_page(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    unit_id: uuid.UUID | None,
    case_id: uuid.UUID | None,
    source: str | None,
    status: str | None,
    officer_id: uuid.UUID | None,
) -> Page[ErrorCaseRead]:
    query = (
        (await list_in_scope(session, caller, ErrorCase.unit_id))
        .equal(ErrorCase.unit_id, unit_id)
        .equal(ErrorCase.case_id, case_id)
        .equal(ErrorCase.source, source)
        .equal(ErrorCase.status, status)
        .where(
            ErrorCase.id.in_(select(Respondent.error_case_id).where(Respondent.officer_id == officer_id)),
            given=officer_id,
        )
    )
    items, cursor = await query.page(session, [ErrorCase.received_on, ErrorCase.id], page)
    return Page[ErrorCaseRead](items=[await read(session, c) for c in items], next_cursor=cursor)


# --- opening (ERR-2, ERR-5) ---------------------------------------------------------------------


async def _transfer_due(session: AsyncSession, unit_id: uuid.UUID, received_on: date) -> tuple[date | None, uuid.UUID]:
    policy = await resolve(session, ACCOUNTABILITY_POLICIES, unit_id, received_on)
    try:
        due = due_date(received_on, policy.values.transfer_days, policy.values.transfer_day_kind)
    except CalendarNotCovered:
        due = None  # awaiting the year's holiday calendar
    return due, policy.policy_id


async def _accepted(
    session: AsyncSession,
    unit_id: uuid.UUID,
    case_id: uuid.UUID,
    source: str,
    description: str,
    received_on: date,
    *,
    opened_by: str,
) -> dict:
    """The columns of an error case just accepted, its transfer due date (ERR-10) included."""
    due, policy_id = await _transfer_due(session, unit_id, received_on)
    return {
        "id": uuid.uuid4(),
        "unit_id": unit_id,
        "case_id": case_id,
        "source": source,
        "description": description,
        "received_on": received_on,
        "status": "accepted",
        "opened_by": opened_by,
        "transfer_due_on": due,
        "policy_id": policy_id,
        "referral": [],
    }


async def open_case(session: AsyncSession, caller: Caller, body: ErrorCaseCreate) -> ErrorCase:
    """Accept an error case from a source of ERR-5; only penalty and license cases (ERR-2)."""
    await ensure_in_scope(session, caller, body.unit_id, "unit")
    case = await case_in_scope(session, caller, body.case_id)
    if not rules.in_scope(case.category):
        raise errors.OUTSIDE_SCOPE(
            f"A {case.category} case is outside the error-case accountability of ERR-2 (penalty and license only)."
        )
    if body.received_on > today():
        raise errors.INVALID_DATE("received_on is not in the future.")
    values = await _accepted(
        session, body.unit_id, body.case_id, body.source, body.description, body.received_on, opened_by=caller.sub
    )
    error_case = ErrorCase(**values)
    session.add(error_case)
    await session.flush()
    await emit(session, _opened(error_case))
    return error_case


def _opened(case: ErrorCase) -> ErrorCaseOpened:
    return ErrorCaseOpened(
        error_case_id=case.id,
        unit_id=case.unit_id,
        case_id=case.case_id,
        source=case.source,
        received_on=case.received_on,
    )


async def open_from_remedy(session: AsyncSession, d: CaseLegalRemedyRecorded) -> None:
    """ERR-5 sources 3–5 from case.legal_remedy_recorded: once per remedy (the unique remedy_id
    makes a redelivery or a replay a no-op), penalty and license cases only (ERR-2)."""
    source = rules.automatic_source(d.kind, d.status, d.result)
    if source is None or not rules.in_scope(d.category):
        return
    values = await _accepted(
        session,
        d.unit_id,
        d.case_id,
        source,
        f"{d.kind} concluded {d.result} (ERR-5)",
        d.concluded_on or today(),
        opened_by="case.legal_remedy_recorded",
    )
    error_case_id = values["id"]
    inserted = await session.scalar(
        insert(ErrorCase)
        .values(**values, remedy_id=d.remedy_id, version=1)
        .on_conflict_do_nothing(index_elements=[ErrorCase.remedy_id])
        .returning(ErrorCase.id)
    )
    if inserted is not None:
        await emit(
            session,
            ErrorCaseOpened(
                error_case_id=error_case_id,
                unit_id=d.unit_id,
                case_id=d.case_id,
                source=source,
                received_on=values["received_on"],
            ),
        )


# --- procedure (ERR-10) ---------------------------------------------------------------------------


async def _locked(session: AsyncSession, caller: Caller, error_case_id: uuid.UUID, if_match: str | None) -> ErrorCase:
    case = await get_in_scope(session, caller, ErrorCase, error_case_id, "error case", lock=True)
    check_if_match(if_match, case.version)
    return case


def _touch(case: ErrorCase) -> None:
    """The case changed through its respondents: its version (ETag) moves too."""
    flag_modified(case, "status")


def _require(case: ErrorCase, allowed: tuple[str, ...], action: str, actions: list[str]) -> None:
    if case.status not in allowed:
        raise errors.INVALID_TRANSITION(
            f"{action} is not possible while the error case is {case.status}.", allowed_actions=actions
        )


def _allowed_actions(case: ErrorCase) -> list[str]:
    return {
        "accepted": ["transfer", "investigation"],
        "investigating": ["investigation", "findings", "determination"],
        "reinvestigating": ["investigation", "findings", "determination"],
        "decided": ["reinvestigation-order", "appeals"],
    }.get(case.status, [])


def _check_day(day: date, not_before: date | None, what: str) -> None:
    if day > today() or (not_before is not None and day < not_before):
        raise errors.INVALID_DATE(f"{what} lies between {not_before or 'the start'} and today.")


async def transfer(
    session: AsyncSession, caller: Caller, error_case_id: uuid.UUID, body: Transfer, if_match: str | None
) -> ErrorCase:
    """Out of jurisdiction: transferred (ERR-10 (一)); a late transfer stays visible as met_late."""
    case = await _locked(session, caller, error_case_id, if_match)
    _require(case, ("accepted",), "transfer", _allowed_actions(case))
    _check_day(body.transferred_on, case.received_on, "transferred_on")
    case.status = "transferred"
    case.transferred_on = body.transferred_on
    case.transferred_to = body.to
    await session.flush()
    return case


async def _officers_in_scope(session: AsyncSession, caller: Caller, officer_ids: list[uuid.UUID]) -> None:
    """Every officer named exists in the directory and is in the caller's scope (404 otherwise)."""
    for officer_id in dict.fromkeys(officer_ids):
        await officer_in_scope(session, caller, officer_id)


async def appoint_team(
    session: AsyncSession, caller: Caller, error_case_id: uuid.UUID, body: Investigation, if_match: str | None
) -> ErrorCase:
    """The head appoints the investigation team (ERR-10 (二)); no respondent among its members."""
    case = await _locked(session, caller, error_case_id, if_match)
    _require(case, ("accepted", "investigating", "reinvestigating"), "investigation", _allowed_actions(case))
    await _officers_in_scope(session, caller, body.member_ids)
    _check_day(body.appointed_on, case.received_on, "appointed_on")
    respondents = {r.officer_id for r in await _respondents(session, case.id)}
    if respondents & set(body.member_ids):
        raise errors.TEAM_MEMBER_IS_RESPONDENT("A respondent of this error case cannot be a member of its team.")
    case.team_member_ids = list(dict.fromkeys(body.member_ids))
    case.team_appointed_by = body.appointed_by
    case.team_appointed_on = body.appointed_on
    if case.status == "accepted":
        case.status = "investigating"
    await session.flush()
    return case


async def record_findings(
    session: AsyncSession, caller: Caller, error_case_id: uuid.UUID, body: Findings, if_match: str | None
) -> ErrorCase:
    """Findings per respondent (ERR-6, ERR-8, ERR-9), with the proposed handling of rules.py."""
    case = await _locked(session, caller, error_case_id, if_match)
    _require(case, ("investigating", "reinvestigating"), "findings", _allowed_actions(case))
    await _officers_in_scope(session, caller, [r.officer_id for r in body.respondents])
    if set(case.team_member_ids or ()) & {r.officer_id for r in body.respondents}:
        raise errors.TEAM_MEMBER_IS_RESPONDENT("A member of the investigation team cannot be a respondent.")
    known = {r.officer_id: r for r in await _respondents(session, case.id)}
    for found in body.respondents:
        proposal = rules.propose_handling(found.behaviours, found.lighter_grounds, found.heavier_grounds)
        officer = await session.get(OfficerView, found.officer_id)
        respondent = known.get(found.officer_id)
        if respondent is None:
            respondent = Respondent(
                id=uuid.uuid4(),
                error_case_id=case.id,
                officer_id=found.officer_id,
                unit_id=officer.unit_id,
                sanctions=[],
                withdrawn_sanctions=[],
                tolerated=False,
                basis=[],
            )
            session.add(respondent)
            known[found.officer_id] = respondent
        respondent.behaviours = sorted(set(found.behaviours), key=rules.BEHAVIOURS.index)
        respondent.lighter_grounds = sorted(set(found.lighter_grounds))
        respondent.heavier_grounds = sorted(set(found.heavier_grounds))
        respondent.facts = found.facts
        respondent.proposal = {
            "handling": proposal.handling,
            "basis": proposal.basis,
            "explanation": proposal.explanation,
            "referral": proposal.referral,
        }
    _touch(case)  # its respondents changed: the case's version (ETag) moves
    await session.flush()
    return case


async def _tolerance(
    session: AsyncSession, case_id: uuid.UUID, officer_id: uuid.UUID
) -> tuple[str | None, uuid.UUID | None]:
    decisions = (
        await session.scalars(
            select(ToleranceDecision)
            .where(ToleranceDecision.case_id == case_id, officer_id == any_(ToleranceDecision.officer_ids))
            .order_by(ToleranceDecision.decided_on)
        )
    ).all()
    effect = rules.tolerance_effect([(d.outcome, d.mitigation_kind) for d in decisions])
    granting = next((d.application_id for d in decisions if d.outcome in ("due_diligence", "exempted")), None)
    return effect, granting


async def _change_sanctions(
    session: AsyncSession,
    case: ErrorCase,
    respondent: Respondent,
    sanctions: list[str],
    effective_on: date,
    *,
    reason: str,
    basis: list[str],
) -> None:
    """The respondent's sanctions become ``sanctions``: what is added is imposed
    (accountability.sanction_imposed), what is removed is withdrawn (…sanction_withdrawn)."""
    before = list(respondent.sanctions or [])
    added = [s for s in sanctions if s not in before]
    removed = [s for s in before if s not in sanctions]
    respondent.sanctions = list(dict.fromkeys(sanctions))
    if removed:
        respondent.withdrawn_sanctions = list(dict.fromkeys([*(respondent.withdrawn_sanctions or []), *removed]))
        await emit(
            session,
            SanctionWithdrawn(
                error_case_id=case.id,
                officer_id=respondent.officer_id,
                unit_id=respondent.unit_id,
                sanctions=removed,
                reason=reason,
                basis=basis,
                effective_on=effective_on,
            ),
        )
    if added:
        await emit(
            session,
            SanctionImposed(
                error_case_id=case.id,
                officer_id=respondent.officer_id,
                unit_id=respondent.unit_id,
                sanctions=added,
                effective_on=effective_on,
            ),
        )


async def _check_handling(
    session: AsyncSession,
    case: ErrorCase,
    respondent: Respondent,
    handling: str,
    sanctions: list[str],
    is_error_case: bool,
) -> tuple[str | None, uuid.UUID | None]:
    effect, granting = await _tolerance(session, case.case_id, respondent.officer_id)
    conflict = rules.sanction_conflict(handling, sanctions, is_error_case=is_error_case, tolerance=effect)
    if conflict is not None:
        detail, basis = conflict
        raise errors.SANCTION_REFUSED(f"Officer {respondent.officer_id}: {detail}.", basis=basis)
    return effect, granting


async def determine(
    session: AsyncSession, caller: Caller, error_case_id: uuid.UUID, body: Determination, if_match: str | None
) -> ErrorCase:
    """The collective determination (ERR-10 (三)): per respondent handling and sanctions (ERR-11),
    a tolerated respondent never sanctioned (TOL-15), a departure from the proposal with reasons."""
    case = await _locked(session, caller, error_case_id, if_match)
    _require(case, ("investigating", "reinvestigating"), "determination", _allowed_actions(case))
    if body.collective_discussion_on > body.decided_on:
        raise errors.INVALID_DATE("The collective discussion comes before (or on) the decision.", basis=["ERR-10"])
    _check_day(body.decided_on, case.received_on, "decided_on")
    known = {r.officer_id: r for r in await _respondents(session, case.id)}
    decided: dict[uuid.UUID, tuple] = {}
    for item in body.respondents:
        respondent = known.get(item.officer_id)
        if respondent is None:
            raise errors.NO_FINDINGS(f"Officer {item.officer_id} has no findings in this error case.")
        sanctions = list(dict.fromkeys(item.sanctions))
        handling = item.handling if body.is_error_case else "exempted"
        if body.is_error_case and handling != respondent.proposal["handling"] and not item.reasons:
            raise errors.DEPARTS_WITHOUT_REASONS(
                f"Officer {item.officer_id}: the findings propose {respondent.proposal['handling']}"
                f" ({respondent.proposal['explanation']}); give reasons for {handling}.",
                basis=respondent.proposal["basis"],
            )
        effect, granting = await _check_handling(session, case, respondent, handling, sanctions, body.is_error_case)
        decided[item.officer_id] = (respondent, handling, sanctions, item.reasons, effect, granting)
    missing = set(known) - set(decided)
    if body.is_error_case and missing:
        raise errors.NO_FINDINGS(
            "Decide on every respondent with findings: " + ", ".join(sorted(str(m) for m in missing)) + "."
        )
    policy = await resolve(session, ACCOUNTABILITY_POLICIES, case.unit_id, body.decided_on)
    case.decided_on = body.decided_on
    case.collective_discussion_on = body.collective_discussion_on
    case.is_error_case = body.is_error_case
    case.referral = list(dict.fromkeys(body.referral))
    case.reinvestigation_due_on = rules.reinvestigation_due(body.decided_on, policy.values.reinvestigation_months)
    case.policy_id = policy.policy_id
    case.status = "decided"
    for respondent, handling, sanctions, reasons, effect, granting in decided.values():
        respondent.handling = handling
        respondent.departure_reasons = reasons
        respondent.tolerated = effect == "tolerated"
        respondent.tolerance_application_id = granting if respondent.tolerated else None
        respondent.basis = sorted({*respondent.proposal["basis"], "ERR-10", *(["TOL-15"] if effect else [])})
        await _change_sanctions(
            session, case, respondent, sanctions, body.decided_on, reason="collective determination", basis=["ERR-11"]
        )
    await session.flush()
    await emit(session, await _decided(session, case))
    return case


async def _decided(session: AsyncSession, case: ErrorCase) -> ErrorCaseDecided:
    return ErrorCaseDecided(
        error_case_id=case.id,
        unit_id=case.unit_id,
        case_id=case.case_id,
        is_error_case=bool(case.is_error_case),
        decided_on=case.decided_on,
        respondents=[
            RespondentEvent(
                officer_id=r.officer_id, handling=r.handling or "exempted", sanctions=r.sanctions, tolerated=r.tolerated
            )
            for r in await _respondents(session, case.id)
            if r.handling is not None
        ],
    )


async def order_reinvestigation(
    session: AsyncSession, caller: Caller, error_case_id: uuid.UUID, body: ReinvestigationOrder, if_match: str | None
) -> ErrorCase:
    """责令重新调查 only within 1 month of the determination (ERR-10 (三), policy)."""
    case = await _locked(session, caller, error_case_id, if_match)
    _require(case, ("decided",), "reinvestigation-order", _allowed_actions(case))
    _check_day(body.ordered_on, case.decided_on, "ordered_on")
    if body.ordered_on > case.reinvestigation_due_on:
        raise errors.REINVESTIGATION_WINDOW_CLOSED(
            f"The determination of {case.decided_on} could be reopened until {case.reinvestigation_due_on}.",
            policy_id=str(case.policy_id),
        )
    case.status = "reinvestigating"
    case.reinvestigation_ordered_on = body.ordered_on
    case.reinvestigation_reason = body.reason
    await session.flush()
    return case


# --- tolerance granted later (TOL-15) ---------------------------------------------------------------


async def record_tolerance(session: AsyncSession, d) -> None:  # d: ToleranceDecided
    """Keep the decision (idempotent upsert); a due_diligence or exempted decision arriving after
    the determination marks the respondent tolerated and withdraws the sanctions (TOL-15)."""
    values = {
        "unit_id": d.unit_id,
        "case_id": d.case_id,
        "officer_ids": list(d.officer_ids),
        "outcome": d.outcome,
        "mitigation_kind": d.mitigation_kind,
        "decided_on": d.decided_on,
    }
    await session.execute(
        insert(ToleranceDecision)
        .values(application_id=d.application_id, **values)
        .on_conflict_do_update(index_elements=[ToleranceDecision.application_id], set_=values)
    )
    if d.case_id is None or d.outcome not in ("due_diligence", "exempted"):
        return
    respondents = (
        await session.scalars(
            select(Respondent)
            .join(ErrorCase, ErrorCase.id == Respondent.error_case_id)
            .where(
                ErrorCase.case_id == d.case_id,
                Respondent.officer_id.in_(d.officer_ids),
                Respondent.handling.is_not(None),
                Respondent.tolerated.is_(False),
            )
            .with_for_update()
        )
    ).all()
    for respondent in respondents:
        case = await session.get(ErrorCase, respondent.error_case_id, with_for_update=True)
        respondent.tolerated = True
        respondent.tolerance_application_id = d.application_id
        respondent.handling = "exempted"
        respondent.basis = sorted({*respondent.basis, "TOL-15"})
        await _change_sanctions(
            session,
            case,
            respondent,
            [],
            max(d.decided_on, case.decided_on or d.decided_on),
            reason=f"容错免责决定 {d.application_id}（{d.outcome}）",
            basis=["TOL-15"],
        )
        _touch(case)
    if respondents:
        await session.flush()


# --- appeals (ERR-12) ------------------------------------------------------------------------------------


def read_appeal(a: Appeal) -> AppealRead:
    return AppealRead(
        id=a.id,
        error_case_id=a.error_case_id,
        officer_id=a.officer_id,
        unit_id=a.unit_id,
        kind=a.kind,
        appeal_to=a.appeal_to,
        statement=a.statement,
        filed_on=a.filed_on,
        status=a.status,
        decided_on=a.decided_on,
        new_handling=a.new_handling,
        new_sanctions=a.new_sanctions,
        reasons=a.reasons,
        version=a.version,
    )


async def appeal(session: AsyncSession, caller: Caller, error_case_id: uuid.UUID, body: AppealCreate) -> Appeal:
    """The respondent states and defends, or appeals (ERR-12): only the respondent, after the determination."""
    case = await get_in_scope(session, caller, ErrorCase, error_case_id, "error case", lock=True)
    _require(case, ("decided",), "appeals", _allowed_actions(case))
    respondent = await session.scalar(
        select(Respondent).where(Respondent.error_case_id == case.id, Respondent.officer_id == caller.officer_id)
    )
    if caller.officer_id is None or respondent is None or respondent.handling is None:
        raise errors.NOT_THE_RESPONDENT("Only a respondent of the determination states, defends or appeals.")
    _check_day(body.filed_on, case.decided_on, "filed_on")
    pending = await session.scalar(
        select(Appeal.id).where(Appeal.respondent_id == respondent.id, Appeal.status == "pending")
    )
    if pending is not None:
        raise errors.APPEAL_PENDING("This respondent's earlier appeal awaits its decision.")
    item = Appeal(
        id=uuid.uuid4(),
        error_case_id=case.id,
        respondent_id=respondent.id,
        officer_id=respondent.officer_id,
        unit_id=case.unit_id,
        kind=body.kind,
        appeal_to=body.appeal_to,
        statement=body.statement,
        filed_on=body.filed_on,
        status="pending",
    )
    session.add(item)
    await session.flush()
    return item


async def decide_appeal(
    session: AsyncSession, caller: Caller, appeal_id: uuid.UUID, body: AppealDecision, if_match: str | None
) -> Appeal:
    """Uphold, change or revoke the handling (ERR-12); a change flows into the sanctions and their events."""
    item = await get_in_scope(session, caller, Appeal, appeal_id, "appeal", lock=True)
    check_if_match(if_match, item.version)
    if item.status != "pending":
        raise errors.APPEAL_DECIDED("The appeal was decided.")
    _check_day(body.decided_on, item.filed_on, "decided_on")
    case = await session.get(ErrorCase, item.error_case_id, with_for_update=True)
    respondent = await session.get(Respondent, item.respondent_id, with_for_update=True)
    if body.outcome == "upheld":
        handling, sanctions = respondent.handling, list(respondent.sanctions)
    elif body.outcome == "revoked":
        handling, sanctions = "exempted", []
    else:
        handling, sanctions = body.handling, list(dict.fromkeys(body.sanctions))
    await _check_handling(session, case, respondent, handling, sanctions, bool(case.is_error_case))
    item.status = body.outcome
    item.decided_on = body.decided_on
    item.reasons = body.reasons
    item.new_handling = handling if body.outcome != "upheld" else None
    item.new_sanctions = sanctions if body.outcome != "upheld" else None
    if body.outcome != "upheld":
        respondent.handling = handling
        respondent.basis = sorted({*respondent.basis, "ERR-12"})
        await _change_sanctions(
            session, case, respondent, sanctions, body.decided_on, reason=f"申诉决定 {item.id}", basis=["ERR-12"]
        )
        _touch(case)
        await session.flush()
        await emit(session, await _decided(session, case))
    await session.flush()
    return item


async def appeals_of(session: AsyncSession, caller: Caller, error_case_id: uuid.UUID) -> list[Appeal]:
    case = await get(session, caller, error_case_id)
    return list(
        (
            await session.scalars(
                select(Appeal).where(Appeal.error_case_id == case.id).order_by(Appeal.filed_on, Appeal.id)
            )
        ).all()
    )
