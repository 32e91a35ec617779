"""The interference register (干预插手记录, INT-*): append-only records in a hash chain, what
happened to them afterwards (classification, report, spot check, referral, retaliation,
circulation — append-only too), its verification and signed checkpoints.

INT-9 everywhere: a caller named as intervener never sees a record naming them — not by id
(404), not in lists or counts — and the recorder's identity is shown to legal_affairs and
discipline only. Events carry neither identity."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession

from accountability_service import errors
from accountability_service.directory import case_in_scope, officer_in_scope
from accountability_service.events import emit
from accountability_service.interference import chain, rules
from accountability_service.interference.schemas import (
    ActionRead,
    CheckpointKey,
    CheckpointRead,
    Circulation,
    Classification,
    IntervenerRead,
    RecordCreate,
    Recorder,
    RecordRead,
    Referral,
    Report,
    Retaliation,
    SpotCheck,
    VerifyReport,
)
from accountability_service.models import Checkpoint, InterferenceAction, InterferenceRecord
from enforcement_common.api.pagination import Page, PageParams, paginate
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import list_in_scope, not_found, scope_clause, visible_units
from enforcement_common.calendar import local_date, today
from enforcement_common.contracts.accountability import InterferenceRecorded

CHAIN_LOCK = 730_104  # advisory lock key serialising appends to the register
#: Who sees the recorder's identity (INT-9).
RECORDER_READERS = frozenset({"legal_affairs", "discipline"})
#: Who sees the chain fields (seq, prev_hash, hash): a neighbour's prev_hash would tell of a hidden record (INT-9).
INTEGRITY_READERS = frozenset({"legal_affairs", "discipline", "justice_bureau", "auditor", "admin"})
#: Who sees every record of their scope; an officer alone sees the records they made.
OVERSIGHT_READERS = frozenset({"legal_affairs", "discipline", "justice_bureau", "unit_leader", "auditor", "admin"})

R = InterferenceRecord


def not_naming(caller: Caller) -> ColumnElement[bool]:
    """INT-9: the records that do not name the caller as intervener (by officer id or by name)."""
    conditions: list[ColumnElement[bool]] = []
    if caller.officer_id is not None:
        conditions.append(or_(R.intervener_officer_id.is_(None), R.intervener_officer_id != caller.officer_id))
    if caller.name.strip():
        conditions.append(R.intervener_name != caller.name.strip())
    return and_(true(), *conditions)


def readable(caller: Caller) -> ColumnElement[bool]:
    """What the caller may read of the register (within their unit scope): never a record naming
    them (INT-9); an officer without an oversight role only the records they made."""
    own = not_naming(caller)
    if caller.has_any(OVERSIGHT_READERS):
        return own
    return and_(own, R.recorded_by == caller.sub)


async def _visible(session: AsyncSession, caller: Caller, record_id: uuid.UUID) -> InterferenceRecord:
    """The record when the caller may read it; the same 404 otherwise (missing, outside the
    scope, or naming the caller — INT-9)."""
    record = await session.scalar(
        select(R).where(
            R.id == record_id, readable(caller), scope_clause(R.unit_id, await visible_units(session, caller))
        )
    )
    if record is None:
        raise not_found("interference record")
    return record


def content_of(record: InterferenceRecord) -> dict:
    return {name: getattr(record, name) for name in chain.HASHED_FIELDS}


def _action_read(action: InterferenceAction, caller: Caller) -> ActionRead:
    return ActionRead(
        id=action.id,
        kind=action.kind,
        details=action.details,
        acted_on=action.acted_on,
        acted_by=action.acted_by if caller.has_any(RECORDER_READERS) else None,
    )


async def read(session: AsyncSession, caller: Caller, record: InterferenceRecord, *, new: bool = False) -> RecordRead:
    """The record as the caller may see it; ``new``: just appended (no action nor correction yet,
    nothing to read while the chain's lock is held)."""
    actions = (
        []
        if new
        else (
            await session.scalars(
                select(InterferenceAction)
                .where(InterferenceAction.record_id == record.id)
                .order_by(InterferenceAction.created_at, InterferenceAction.id)
            )
        ).all()
    )
    integrity = caller.has_any(INTEGRITY_READERS)
    category = record.category
    for action in actions:
        if action.kind == "classification":
            category = action.details["category"]
    corrected_by = (
        []
        if new
        else (
            await session.scalars(select(R.id).where(R.corrects_id == record.id, readable(caller)).order_by(R.seq))
        ).all()
    )
    return RecordRead(
        id=record.id,
        seq=record.seq if integrity else None,
        unit_id=record.unit_id,
        case_id=record.case_id,
        occurred_at=record.occurred_at,
        place=record.place,
        intervener=IntervenerRead(
            officer_id=record.intervener_officer_id,
            name=record.intervener_name,
            staff_type=record.intervener_staff_type,
            position=record.intervener_position,
        ),
        method=record.method,
        content=record.content,
        category=category,
        recorded_category=record.category,
        is_interference=rules.is_interference(category),
        corrects_id=record.corrects_id,
        corrected_by_ids=list(corrected_by),
        recorded_at=record.recorded_at,
        recorder=(
            Recorder(sub=record.recorded_by, officer_id=record.recorder_officer_id, name=record.recorder_name)
            if caller.has_any(RECORDER_READERS)
            else None
        ),
        prev_hash=record.prev_hash if integrity else None,
        hash=record.hash if integrity else None,
        actions=[_action_read(a, caller) for a in actions],
        basis=["INT-3", "INT-9"] + (["INT-10"] if rules.is_interference(category) else ["INT-13"]),
    )


async def get(session: AsyncSession, caller: Caller, record_id: uuid.UUID) -> RecordRead:
    return await read(session, caller, await _visible(session, caller, record_id))


async def list_page(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    unit_id: uuid.UUID | None,
    case_id: uuid.UUID | None,
    category: str | None,
    occurred_from: datetime | None,
    occurred_to: datetime | None,
) -> Page[RecordRead]:
    query = (
        (await list_in_scope(session, caller, R.unit_id))
        .where(readable(caller))
        .equal(R.unit_id, unit_id)
        .equal(R.case_id, case_id)
        .equal(R.category, category)
        .range(R.occurred_at, occurred_from, occurred_to, name="occurred")
    )
    items, cursor = await query.page(session, [R.seq], page)
    return Page[RecordRead](items=[await read(session, caller, r) for r in items], next_cursor=cursor)


# --- recording (INT-2, INT-3, INT-7) ------------------------------------------------------------------


async def _append(session: AsyncSession, content: dict) -> InterferenceRecord:
    """Append one record to the chain: writers take one advisory lock (held to the commit), so the
    chain never forks and ``seq`` follows it. The head is read by a statement *after* the lock's:
    a statement's snapshot is taken when it starts, before a lock it waits for is granted."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    prev = await session.scalar(select(R.hash).order_by(R.seq.desc()).limit(1)) or chain.GENESIS
    record = R(**content, prev_hash=prev, hash=chain.record_hash(prev, content))
    session.add(record)
    await session.flush()
    return record


async def record(session: AsyncSession, caller: Caller, body: RecordCreate) -> InterferenceRecord:
    """The handler records an intervention (INT-3): time, place, person, method, content."""
    case = await case_in_scope(session, caller, body.case_id)
    if caller.officer_id is None or caller.officer_id not in {case.lead_handler_id, *case.handler_ids}:
        raise errors.NOT_A_HANDLER("Interventions in a case are recorded by its handlers.")
    if body.occurred_at > datetime.now(UTC):
        raise errors.INVALID_DATE("occurred_at is not in the future.")
    if body.corrects_id is not None:
        corrected = await _visible(session, caller, body.corrects_id)
        if corrected.case_id != body.case_id:
            raise not_found("interference record")
    given = body.intervener
    name, staff_type, position = given.name, given.staff_type, given.position
    if given.officer_id is not None:
        officer = await officer_in_scope(session, caller, given.officer_id)
        name, staff_type = officer.name, officer.staff_type or staff_type
        if staff_type is None:
            raise errors.INVALID_INTERVENER("Give the intervener's staff type (INT-2).")
    if not rules.is_internal(staff_type):
        raise errors.INVALID_INTERVENER(
            "The register records internal personnel (在编、聘用、离退休 or former staff, INT-2);"
            " an outsider's approach goes through the ordinary procedures."
        )
    if given.officer_id is not None and given.officer_id == caller.officer_id:
        raise errors.INVALID_INTERVENER("The recorder cannot be the intervener.")
    if not rules.guidance_acceptable(body.category, body.method):
        raise errors.NOT_INTERFERENCE("Guidance is written, or oral and recorded by the handler.", basis=["INT-7"])
    content = {
        "id": uuid.uuid4(),
        "unit_id": case.unit_id,
        "case_id": case.case_id,
        "occurred_at": body.occurred_at,
        "place": body.place,
        "intervener_officer_id": given.officer_id,
        "intervener_name": name,
        "intervener_staff_type": staff_type,
        "intervener_position": position,
        "method": body.method,
        "content": body.content,
        "category": body.category,
        "corrects_id": body.corrects_id,
        "recorded_by": caller.sub,
        "recorder_officer_id": caller.officer_id,
        "recorder_name": caller.name,
        "recorded_at": datetime.now(UTC),
    }
    # INT-9: the event carries neither the intervener nor the recorder. Written before the append:
    # the chain's lock is held to the commit, so as little as possible comes after it.
    await emit(
        session,
        InterferenceRecorded(
            record_id=content["id"],
            case_id=case.case_id,
            unit_id=case.unit_id,
            occurred_at=body.occurred_at,
            method=body.method,
            category=body.category,
        ),
    )
    return await _append(session, content)


# --- afterwards (INT-3, INT-4, INT-10, INT-11, INT-13) --------------------------------------------------


async def _act(
    session: AsyncSession, caller: Caller, record: InterferenceRecord, kind: str, details: dict, acted_on: date
) -> InterferenceRecord:
    if acted_on > today() or acted_on < record.recorded_at.date():
        raise errors.INVALID_DATE("The date lies between the recording and today.")
    session.add(
        InterferenceAction(
            id=uuid.uuid4(),
            record_id=record.id,
            unit_id=record.unit_id,
            kind=kind,
            details=details,
            acted_by=caller.sub,
            acted_on=acted_on,
        )
    )
    await session.flush()
    return record


async def _current_category(session: AsyncSession, record: InterferenceRecord) -> str:
    latest = await session.scalar(
        select(InterferenceAction.details["category"].astext)
        .where(InterferenceAction.record_id == record.id, InterferenceAction.kind == "classification")
        .order_by(InterferenceAction.created_at.desc(), InterferenceAction.id.desc())
        .limit(1)
    )
    return latest or record.category


async def classify(session: AsyncSession, caller: Caller, record_id: uuid.UUID, body: Classification):
    """INT-10 categories, or not interference (INT-13: legitimate guidance, normal inquiry)."""
    record = await _visible(session, caller, record_id)
    if not rules.guidance_acceptable(body.category, record.method):
        raise errors.NOT_INTERFERENCE("Guidance is written, or oral and recorded by the handler.", basis=["INT-7"])
    basis = ["INT-10"] if rules.is_interference(body.category) else ["INT-13"]
    details = {"category": body.category, "reasons": body.reasons, "basis": basis}
    return await _act(session, caller, record, "classification", details, body.classified_on)


async def report(session: AsyncSession, caller: Caller, record_id: uuid.UUID, body: Report):
    """报告 to the legal department, or directly to 司法局 (INT-3): by its recorder or the legal body."""
    record = await _visible(session, caller, record_id)
    if record.recorded_by != caller.sub and not caller.has_any(frozenset({"legal_affairs"})):
        raise not_found("interference record")
    details = {"to": body.to, "note": body.note, "basis": ["INT-3"]}
    return await _act(session, caller, record, "report", details, body.reported_on)


async def _refuse_if_not_interference(session: AsyncSession, record: InterferenceRecord, what: str) -> None:
    if not rules.is_interference(await _current_category(session, record)):
        raise errors.NOT_INTERFERENCE(f"A record classified as legitimate guidance or inquiry is not {what}.")


async def spot_check(session: AsyncSession, caller: Caller, record_id: uuid.UUID, body: SpotCheck):
    """抽查 by the legal body (INT-4): a lead goes to the head, possibly on to 司法局."""
    record = await _visible(session, caller, record_id)
    details = {
        "result": body.result,
        "note": body.note,
        "to_head": body.result == "lead",
        "transferred_to_justice_bureau": body.transferred_to_justice_bureau and body.result == "lead",
        "basis": ["INT-4"],
    }
    return await _act(session, caller, record, "spot_check", details, body.checked_on)


async def refer(session: AsyncSession, caller: Caller, record_id: uuid.UUID, body: Referral):
    """Discipline ⇒ 纪检, crime ⇒ judicial organs (INT-11); never for what is not interference (INT-13)."""
    record = await _visible(session, caller, record_id)
    await _refuse_if_not_interference(session, record, "referred")
    details = {"to": body.to, "reason": body.reason, "basis": ["INT-11"]}
    return await _act(session, caller, record, "referral", details, body.referred_on)


async def circulate(session: AsyncSession, caller: Caller, record_id: uuid.UUID, body: Circulation):
    """通报 of improper interference after approval (INT-10); never for guidance or inquiry (INT-13)."""
    record = await _visible(session, caller, record_id)
    await _refuse_if_not_interference(session, record, "circulated")
    details = {"approved_by": body.approved_by, "basis": ["INT-10"]}
    return await _act(session, caller, record, "circulation", details, body.circulated_on)


async def retaliation(session: AsyncSession, caller: Caller, record_id: uuid.UUID, body: Retaliation):
    """打击报复 against the recorder: its own finding, referred (INT-9, INT-11)."""
    record = await _visible(session, caller, record_id)
    if body.by_officer_id is not None:
        await officer_in_scope(session, caller, body.by_officer_id)
    details = {
        "description": body.description,
        "by_officer_id": str(body.by_officer_id) if body.by_officer_id else None,
        "referred_to": body.referred_to,
        "basis": ["INT-9", "INT-11"],
    }
    return await _act(session, caller, record, "retaliation", details, body.found_on)


# --- integrity: verification and signed checkpoints ----------------------------------------------------


async def verify(
    session: AsyncSession, count: int | None = None, head_hash: str | None = None, batch: int = 10_000
) -> VerifyReport:
    """Recompute the whole chain (and, given a checkpoint's count and head hash, prove the register
    extends it). Plain rows in keyset batches: no ORM objects for a register of any size."""
    verifier = chain.ChainVerifier((count, head_hash) if count is not None and head_hash is not None else None)
    columns = [R.__table__.c[name] for name in (*chain.HASHED_FIELDS, "prev_hash", "hash", "seq")]
    after = 0
    while True:
        rows = (await session.execute(select(*columns).where(R.seq > after).order_by(R.seq).limit(batch))).all()
        for row in rows:
            values = row._mapping
            verifier.feed(values, values["prev_hash"], values["hash"])
            after = values["seq"]
        if len(rows) < batch:
            break
    result = verifier.report()
    return VerifyReport(
        valid=result.valid,
        count=result.count,
        head_hash=result.head_hash,
        first_bad_id=uuid.UUID(result.first_bad_id) if result.first_bad_id else None,
        extends_checkpoint=result.extends_checkpoint,
        problems=result.problems,
    )


def read_checkpoint(c: Checkpoint) -> CheckpointRead:
    return CheckpointRead(
        id=c.id, count=c.count, head_hash=c.head_hash, signed_at=c.signed_at, key_id=c.key_id, signature=c.signature
    )


async def checkpoint(session: AsyncSession, signer: chain.Signer) -> Checkpoint:
    """Sign the register's current count and head hash (on demand, and at least daily)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    count = await session.scalar(select(func.count()).select_from(R))
    head = await session.scalar(select(R.hash).order_by(R.seq.desc()).limit(1)) or chain.GENESIS
    signed_at = datetime.now(UTC)
    item = Checkpoint(
        id=uuid.uuid4(),
        count=count,
        head_hash=head,
        signed_at=signed_at,
        key_id=signer.key_id,
        signature=signer.sign(count, head, signed_at),
    )
    session.add(item)
    await session.flush()
    return item


async def checkpoint_if_none_today(session: AsyncSession, signer: chain.Signer) -> bool:
    """The daily checkpoint, unless one was signed today (Asia/Shanghai); the periodic job commits."""
    last = await session.scalar(select(func.max(Checkpoint.signed_at)))
    if last is not None and local_date(last) >= today():
        return False
    await checkpoint(session, signer)
    return True


async def list_checkpoints(session: AsyncSession, page: PageParams) -> Page[CheckpointRead]:
    items, cursor = await paginate(session, select(Checkpoint), [Checkpoint.signed_at, Checkpoint.id], page)
    return Page[CheckpointRead](items=[read_checkpoint(c) for c in items], next_cursor=cursor)


def key(signer: chain.Signer) -> CheckpointKey:
    return CheckpointKey(key_id=signer.key_id, public_key=base64.b64encode(signer.public_raw).decode())
