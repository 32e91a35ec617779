"""Applications (尽职免责、容错免责认定): filed, investigated (调查核实), decided by the party
committee the policy names (TOL-14), notified within the policy's period (TOL-14).

Every determination is made under the policy version of the issuing unit in force on the
**incident date** (000 第十条（十）: 按照事发当时法律法规) and names its ``policy_id``."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.concurrency import check_if_match
from enforcement_common.api.pagination import Page, PageParams
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import get_in_scope, list_in_scope
from enforcement_common.calendar import due_date, today
from enforcement_common.contracts.tolerance import ToleranceApplied, ToleranceDecided
from enforcement_common.directory import ensure_officers_in_scope
from enforcement_common.policies import resolve, version_values
from tolerance_service import errors, rules, subjects
from tolerance_service.applications.schemas import (
    ApplicationCreate,
    ApplicationRead,
    Conditions,
    Deadline,
    DecisionCreate,
    DecisionRead,
    Exclusions,
    Grounds,
    InvestigationCreate,
    InvestigationRead,
    NotificationCreate,
    RecommendationRead,
)
from tolerance_service.corrections import service as corrections
from tolerance_service.events import emit
from tolerance_service.models import Application, Correction
from tolerance_service.policy import TOLERANCE_POLICIES, ToleranceValues
from tolerance_service.risk import service as risk

# --- the claim as stored and as the rule engine reads it -----------------------------------


def _claimed(grounds: Grounds, conditions: Conditions, exclusions: Exclusions) -> dict[str, Any]:
    return {
        "grounds": grounds.model_dump(mode="json"),
        "conditions": conditions.model_dump(mode="json"),
        "exclusions": exclusions.model_dump(mode="json"),
    }


def claim_of(stored: dict[str, Any], loss_level: str) -> rules.Claim:
    """The rule engine's claim from a stored ``{grounds, conditions, exclusions}``."""
    grounds, conditions, exclusions = stored["grounds"], stored["conditions"], stored["exclusions"]
    return rules.Claim(
        due_diligence=frozenset(grounds["due_diligence"]),
        tolerance=frozenset(grounds["tolerance"]),
        mitigation=frozenset(grounds["mitigation"]),
        conditions=(conditions["C1"], conditions["C2"], conditions["C3"]),
        exclusions=frozenset(code for code, given in exclusions.items() if given),
        loss_level=loss_level,  # type: ignore[arg-type]
    )


def _recommend(claim: rules.Claim, policy_id: uuid.UUID, values: ToleranceValues) -> dict[str, Any]:
    result = rules.evaluate(claim, policy_id, values.ground_texts)
    return {
        "outcome": result.outcome,
        "basis": list(result.basis),
        "explanation": result.explanation,
        "policy_id": str(policy_id),
        "mitigation_kinds": list(result.mitigation_kinds),
    }


# --- reading -----------------------------------------------------------------------------


def _deadlines(application: Application) -> list[Deadline]:
    if application.notify_due_on is None:
        return []
    return [
        Deadline.of("notification", application.notify_due_on, application.notified_on, "TOL-14", application.policy_id)
    ]


def read(application: Application, correction_id: uuid.UUID | None) -> ApplicationRead:
    claimed = application.claimed
    investigation = application.investigation
    decision = None
    if application.outcome is not None:
        verified = application.verified_recommendation or application.recommendation
        decision = DecisionRead(
            outcome=application.outcome,
            mitigation_kind=application.mitigation_kind,
            decided_on=application.decided_on,
            reasons=application.decision_reasons,
            publication_scope=application.publication_scope,
            deliberation=application.deliberation,
            basis=application.decision_basis or [],
            decided_by=application.decided_by or "",
            policy_id=application.policy_id,
            departs_from_recommendation=rules.departs(application.outcome, verified["outcome"]),
            not_an_enforcement_error=application.outcome in rules.CORRECTION_OUTCOMES,
        )
    return ApplicationRead(
        id=application.id,
        unit_id=application.unit_id,
        officer_ids=application.officer_ids,
        case_id=application.case_id,
        initiated_by=application.initiated_by,
        incident_on=application.incident_on,
        applied_on=application.applied_on,
        description=application.description,
        loss_level=application.loss_level,
        grounds=claimed["grounds"],
        conditions=claimed["conditions"],
        exclusions=claimed["exclusions"],
        status=application.status,
        policy_id=application.policy_id,
        deciding_body=application.deciding_body,
        deciding_unit_id=application.deciding_unit_id,
        recommendation=RecommendationRead(**application.recommendation),
        investigation=InvestigationRead(**investigation) if investigation else None,
        verified_recommendation=(
            RecommendationRead(**application.verified_recommendation) if application.verified_recommendation else None
        ),
        decision=decision,
        notified_on=application.notified_on,
        notification_recipients=application.notification_recipients,
        correction_id=correction_id,
        deadlines=_deadlines(application),
        version=application.version,
    )


async def read_one(session: AsyncSession, application: Application) -> ApplicationRead:
    correction_id = None
    if application.status == "decided":  # only a decision starts a correction (TOL-16)
        correction_id = await session.scalar(select(Correction.id).where(Correction.application_id == application.id))
    return read(application, correction_id)


async def get(session: AsyncSession, caller: Caller, application_id: uuid.UUID, *, lock: bool = False) -> Application:
    return await get_in_scope(session, caller, Application, application_id, "application", lock=lock)


async def list_page(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    unit_id: uuid.UUID | None,
    status: str | None,
    outcome: str | None,
    case_id: uuid.UUID | None,
    officer_id: uuid.UUID | None,
    incident_from: Any,
    incident_to: Any,
) -> Page[ApplicationRead]:
    query = (
        (await list_in_scope(session, caller, Application.unit_id))
        .equal(Application.unit_id, unit_id)
        .equal(Application.status, status)
        .equal(Application.outcome, outcome)
        .equal(Application.case_id, case_id)
        .contains(Application.officer_ids, officer_id)
        .range(Application.incident_on, incident_from, incident_to, name="incident")
    )
    items, cursor = await query.page(session, [Application.applied_on, Application.id], page)
    ids = [a.id for a in items]
    corrections_of = dict(
        (
            await session.execute(
                select(Correction.application_id, Correction.id).where(Correction.application_id.in_(ids))
            )
        ).all()
    )
    return Page[ApplicationRead](items=[read(a, corrections_of.get(a.id)) for a in items], next_cursor=cursor)


# --- filing ------------------------------------------------------------------------------

#: TOL-14: who starts an application for the unit (an officer applies for themself).
UNIT_INITIATORS = frozenset({"unit_leader", "legal_affairs", "platform"})


async def file(session: AsyncSession, caller: Caller, body: ApplicationCreate) -> Application:
    """An application, individual (self) or unit-initiated (TOL-14), with its recommendation
    under the policy in force for the unit on the incident date."""
    below = await subjects.unit_for_write(session, caller, body.unit_id)
    await ensure_officers_in_scope(session, caller, body.officer_ids, within=below)
    category = await subjects.case_category(session, body.case_id, below)
    if body.initiated_by == "self" and caller.officer_id not in body.officer_ids:
        raise errors.INVALID_APPLICANT("A self application is made by one of the officers concerned (officer_id).")
    if body.initiated_by == "unit" and not caller.roles & UNIT_INITIATORS:
        raise errors.NOT_A_UNIT_INITIATOR(
            "An officer applies for themself (initiated_by self); the unit starts it otherwise."
        )
    applied_on = today()
    if body.incident_on > applied_on:
        raise errors.INVALID_DATE("incident_on is after today.")
    policy = await resolve(session, TOLERANCE_POLICIES, body.unit_id, body.incident_on)  # 按照事发当时
    values = policy.values
    claimed = _claimed(body.grounds, body.conditions, body.exclusions)
    application = Application(
        id=uuid.uuid4(),
        unit_id=body.unit_id,
        officer_ids=list(body.officer_ids),
        case_id=body.case_id,
        case_category=category,
        initiated_by=body.initiated_by,
        applicant_officer_id=caller.officer_id if body.initiated_by == "self" else None,
        incident_on=body.incident_on,
        applied_on=applied_on,
        description=body.description,
        loss_level=body.loss_level,
        claimed=claimed,
        recommendation=_recommend(claim_of(claimed, body.loss_level), policy.policy_id, values),
        policy_id=policy.policy_id,
        # TOL-14: the party committee of the issuing unit (乡镇党委, 局党组) or of the unit itself (单位党组).
        deciding_unit_id=(
            policy.issuer_unit_id
            if values.deciding_body.level == "issuer" and policy.issuer_unit_id is not None
            else body.unit_id
        ),
        deciding_body=values.deciding_body.name_zh,
        status="submitted",
    )
    session.add(application)
    await session.flush()
    await emit(
        session,
        ToleranceApplied(
            application_id=application.id,
            unit_id=application.unit_id,
            officer_ids=application.officer_ids,
            case_id=application.case_id,
            incident_on=application.incident_on,
            initiated_by=body.initiated_by,
            recommended_outcome=application.recommendation["outcome"],
            policy_id=policy.policy_id,
        ),
    )
    await risk.record(session, application, values)  # TOL-18, as the applications come in
    return application


# --- investigation ---------------------------------------------------------------------------


async def investigate(
    session: AsyncSession, caller: Caller, application_id: uuid.UUID, body: InvestigationCreate, if_match: str | None
) -> Application:
    """调查核实: the verified facts and grounds; the recommendation is recomputed on them and
    both versions are kept (the claimed one is never overwritten)."""
    application = await get(session, caller, application_id, lock=True)
    check_if_match(if_match, application.version)
    if application.status == "decided":
        raise errors.INVALID_TRANSITION("The application is decided.", allowed_actions=["notifications"])
    if not application.applied_on <= body.investigated_on <= today():
        raise errors.INVALID_DATE("investigated_on must lie between the application and today.")
    verified = _claimed(body.grounds, body.conditions, body.exclusions)
    values = await version_values(session, TOLERANCE_POLICIES, application.policy_id)
    application.investigation = {
        **verified,
        "facts": body.facts,
        "loss_level": body.loss_level,
        "investigated_on": body.investigated_on.isoformat(),
        "investigated_by": caller.name or caller.sub,
    }
    application.verified_recommendation = _recommend(claim_of(verified, body.loss_level), application.policy_id, values)
    application.status = "investigated"
    await session.flush()
    return application


# --- decision -------------------------------------------------------------------------------


def ensure_deciding_body(caller: Caller, application: Application) -> None:
    """TOL-14: only the party committee of the deciding unit the policy names (403 otherwise)."""
    if "party_committee" not in caller.roles or caller.unit_id != application.deciding_unit_id:
        raise errors.NOT_THE_DECIDING_BODY(
            f"The decision is made by the {application.deciding_body} the policy in force names.",
            deciding_body=application.deciding_body,
        )


async def decide(
    session: AsyncSession, caller: Caller, application_id: uuid.UUID, body: DecisionCreate, if_match: str | None
) -> Application:
    """The deciding body's conclusion (认定结论) on the verified grounds; for due_diligence and
    exempted the correction starts in the same transaction (TOL-16); notify_due_on per policy."""
    application = await get(session, caller, application_id, lock=True)
    ensure_deciding_body(caller, application)
    check_if_match(if_match, application.version)
    if application.status != "investigated":
        allowed = ["investigation"] if application.status == "submitted" else ["notifications"]
        raise errors.INVALID_TRANSITION(
            "A decision follows the investigation (经调查核实后) and is made once.", allowed_actions=allowed
        )
    investigation = application.investigation or {}
    if not date.fromisoformat(investigation["investigated_on"]) <= body.decided_on <= today():
        raise errors.INVALID_DATE("decided_on must lie between the investigation and today.")
    claim = claim_of(investigation, investigation["loss_level"])
    refusal = rules.decision_refusal(body.outcome, claim)
    if refusal is not None:
        raise errors.DECISION_REFUSED(
            f"{rules.OUTCOME_ZH[body.outcome]} is not allowed on the verified grounds ({refusal}).", basis=[refusal]
        )
    if (body.outcome == "mitigated") != (body.mitigation_kind is not None):
        raise errors.MITIGATION_KIND_REQUIRED("mitigation_kind is given for mitigated, and only for it.")
    recommended = (application.verified_recommendation or application.recommendation)["outcome"]
    if rules.departs(body.outcome, recommended) and not (body.reasons or "").strip():
        raise errors.REASONS_REQUIRED(f"The recommendation on the verified grounds is {recommended}; give reasons.")
    if rules.needs_correction(body.outcome) != (body.correction is not None):
        raise errors.CORRECTION_REQUIRED(
            "due_diligence and exempted decisions start a correction at the same time; other outcomes carry none."
        )
    values = await version_values(session, TOLERANCE_POLICIES, application.policy_id)
    basis = {
        "due_diligence": ["TOL-10", "TOL-14", "TOL-15", "TOL-16"],
        "exempted": ["TOL-11", "TOL-14", "TOL-15", "TOL-16"],
        "mitigated": sorted({*(b for b in ("TOL-11", "TOL-12") if b in claim_basis(claim)), "TOL-14"}),
        "rejected": (["TOL-13"] if claim.exclusions else []) + ["TOL-14"],
    }[body.outcome]
    application.outcome = body.outcome
    application.mitigation_kind = body.mitigation_kind
    application.decided_on = body.decided_on
    application.decision_reasons = body.reasons
    application.publication_scope = body.publication_scope
    application.deliberation = body.deliberation.model_dump(mode="json")
    application.decision_basis = basis
    application.decided_by = caller.name or caller.sub
    application.notify_due_on = due_date(body.decided_on, values.notification_days, values.notification_day_kind)
    application.status = "decided"
    await session.flush()
    if body.correction is not None:  # TOL-16: 在作出容错免责决定的同时，应当及时启动纠错程序
        await corrections.start(session, application, body.correction, values)
    await emit(
        session,
        ToleranceDecided(
            application_id=application.id,
            unit_id=application.unit_id,
            officer_ids=application.officer_ids,
            case_id=application.case_id,
            outcome=body.outcome,
            mitigation_kind=body.mitigation_kind,
            decided_on=body.decided_on,
            notify_due_on=application.notify_due_on,
            basis=basis,
            policy_id=application.policy_id,
            not_an_enforcement_error=body.outcome in rules.CORRECTION_OUTCOMES,
        ),
    )
    return application


def claim_basis(claim: rules.Claim) -> tuple[str, ...]:
    """The rule ids the verified grounds rest on (a mitigated decision cites them)."""
    return rules.evaluate(claim).basis


# --- notification ---------------------------------------------------------------------------


async def notify(
    session: AsyncSession, caller: Caller, application_id: uuid.UUID, body: NotificationCreate, if_match: str | None
) -> Application:
    """TOL-14: the decision notified to the relevant units and the party; a late notice is
    recorded as late (``met_late``) — the breach stays visible."""
    application = await get(session, caller, application_id, lock=True)
    check_if_match(if_match, application.version)
    if application.status != "decided" or application.notified_on is not None:
        raise errors.INVALID_TRANSITION(
            "Only a decided application, once." if application.status == "decided" else "Not decided yet.",
            allowed_actions=[] if application.status == "decided" else ["decision"],
        )
    if not application.decided_on <= body.notified_on <= today():
        raise errors.INVALID_DATE("notified_on must lie between the decision and today.")
    application.notified_on = body.notified_on
    application.notification_recipients = list(body.recipients)
    await session.flush()
    return application
