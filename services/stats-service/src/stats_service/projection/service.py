"""The statistics projection (统计投影): every consumed event folded into one generation's tables.

One function, :func:`apply_to_generation`, folds an event into a generation, for the live
consumer, a rebuild (replaying the topics from offset 0 into a shadow generation) and a
report's verification (re-deriving from the event log into a scratch generation) alike, so
the three cannot disagree on what an event means. Each fold is idempotent on state: a case's
counters change by the difference its facts make (:func:`stats_service.rules.deltas`), other
facts are upserts keyed by their ids.

Positions: per generation and ``topic:partition``, the next offset after the last event
applied; an event below it is already in the generation (a rebuild that got ahead of the
live consumer before a switch). The event log keeps each event at its first position; a
copy of the same event id published again is not applied again (live or rebuild).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.calendar import local_date
from enforcement_common.contracts import EventData, event_model_for
from enforcement_common.contracts.accountability import (
    ErrorCaseDecided,
    ErrorCaseOpened,
    SanctionImposed,
    SanctionWithdrawn,
)
from enforcement_common.contracts.case import (
    CaseClosed,
    CaseDecided,
    CaseFiled,
    OfficerQualificationChanged,
    OfficerRegistered,
    OfficerUpdated,
    TrainingRecorded,
    UnitCreated,
    UnitUpdated,
)
from enforcement_common.contracts.review import (
    ReviewCompleted,
    ReviewFailed,
    ReviewObligationCreated,
    ReviewObligationExcluded,
    ReviewObligationOverdue,
    ReviewVoided,
)
from enforcement_common.contracts.tolerance import ToleranceDecided
from enforcement_common.directory import DIRECTORY_EVENTS
from enforcement_common.events import Envelope
from enforcement_common.events.consumer import known_fields
from stats_service import rules
from stats_service.models import (
    LoggedEvent,
    Position,
    ProjectionState,
    StatCase,
    StatCounter,
    StatErrorCase,
    StatObligation,
    StatOfficerState,
    StatRespondent,
    StatReview,
    StatSanction,
    StatToleranceDecision,
    StatTraining,
    StatUnit,
)


class Fold:
    """One event as a fold sees it: its data model, envelope and Kafka position."""

    def __init__(self, data: EventData, envelope: Envelope, topic: str, partition: int, offset: int) -> None:
        self.data = data
        self.envelope = envelope
        self.topic = topic
        self.partition = partition
        self.offset = offset

    @property
    def day(self) -> date:
        """The Asia/Shanghai date of the event (for facts whose event names no date)."""
        return local_date(self.envelope.time)


FoldFn = Callable[[AsyncSession, int, Fold], Awaitable[None]]

# --- units ---------------------------------------------------------------------------------


async def _unit(session: AsyncSession, gen: int, fold: Fold) -> None:
    d: UnitCreated = fold.data  # type: ignore[assignment]
    values = {
        "parent_id": d.parent_id,
        "code": d.code,
        "name": d.name,
        "kind": d.kind,
        "region_code": d.region_code,
        "duties": sorted(d.duties),
    }
    await session.execute(
        insert(StatUnit)
        .values(gen=gen, unit_id=d.unit_id, **values)
        .on_conflict_do_update(index_elements=[StatUnit.gen, StatUnit.unit_id], set_=values)
    )


# --- cases (STAT-5c, STAT-7) ------------------------------------------------------------------


def _facts(row: StatCase | None) -> rules.CaseFacts | None:
    if row is None:
        return None
    return rules.CaseFacts(
        unit_id=row.unit_id,
        category=row.category,
        filed_on=row.filed_on,
        decided_on=row.decided_on,
        closed_on=row.closed_on,
        penalty_kinds=tuple(row.penalty_kinds),
        fine_amount=row.fine_amount,
        confiscation_amount=row.confiscation_amount,
        hearing_held=row.hearing_held,
        closed_fine_amount=row.closed_fine_amount,
        closed_confiscation_amount=row.closed_confiscation_amount,
        closed_hearing_held=row.closed_hearing_held,
    )


def _cache(session: AsyncSession, name: str) -> dict:
    """Rows a transaction already read or added (a pending row is not in the identity map until
    flushed, and a batch of a rebuild does not flush between events)."""
    return session.info.setdefault(f"stats_{name}", {})


async def _change_case(session: AsyncSession, gen: int, case_id: uuid.UUID, changes: dict[str, Any]) -> None:
    """Apply ``changes`` to the case's facts and the difference they make to the counters.

    One writer per case: its events share a partition, which one consumer (live) or the one
    rebuild runner reads — so no row lock; the transaction's cache keeps a batch's cases."""
    cases = _cache(session, "cases")
    key = (gen, case_id)
    row = cases[key] if key in cases else await session.get(StatCase, key)
    before = _facts(row)
    if row is None:
        row = StatCase(gen=gen, case_id=case_id, penalty_kinds=[], hearing_held=False, **changes)
        session.add(row)
    else:
        for name, value in changes.items():
            setattr(row, name, value)
    cases[key] = row
    after = _facts(row)
    pending = session.info.setdefault("counter_deltas", {})
    for (unit_id, day, category, measure), change in rules.deltas(before, after).items():
        counter = (gen, unit_id, day, category, measure)
        pending[counter] = pending.get(counter, Decimal(0)) + change


#: One statement whatever the number of changes (arrays, not a VALUES list compiled per call).
_ADD_COUNTERS = text(
    """
    INSERT INTO stat_counters AS c (gen, unit_id, day, category, measure, value)
    SELECT * FROM unnest(
        CAST(:gens AS integer[]), CAST(:units AS uuid[]), CAST(:days AS date[]),
        CAST(:categories AS text[]), CAST(:measures AS text[]), CAST(:values AS numeric[])
    )
    ON CONFLICT (gen, unit_id, day, category, measure) DO UPDATE SET value = c.value + excluded.value
    RETURNING c.gen, c.unit_id, c.day, c.category, c.measure, c.value
    """
)


async def flush_counters(session: AsyncSession) -> None:
    """Write the counter changes gathered in the session: one upsert adding each delta, then the
    rows back at zero deleted (a replay and the live projection then hold the same rows)."""
    pending: dict = session.info.pop("counter_deltas", {})
    changes = [(key, value) for key, value in sorted(pending.items(), key=str) if value]
    if not changes:
        return
    columns = list(zip(*(key for key, _ in changes), strict=True))
    written = await session.execute(
        _ADD_COUNTERS,
        {
            "gens": list(columns[0]),
            "units": list(columns[1]),
            "days": list(columns[2]),
            "categories": list(columns[3]),
            "measures": list(columns[4]),
            "values": [value for _, value in changes],
        },
    )
    zero = [tuple(row[:5]) for row in written if row.value == 0]
    if zero:
        await session.execute(
            delete(StatCounter).where(
                tuple_(
                    StatCounter.gen, StatCounter.unit_id, StatCounter.day, StatCounter.category, StatCounter.measure
                ).in_(zero)
            )
        )


async def _case_filed(session: AsyncSession, gen: int, fold: Fold) -> None:
    d: CaseFiled = fold.data  # type: ignore[assignment]
    await _change_case(session, gen, d.case_id, {"unit_id": d.unit_id, "category": d.category, "filed_on": d.filed_on})


async def _case_decided(session: AsyncSession, gen: int, fold: Fold) -> None:
    d: CaseDecided = fold.data  # type: ignore[assignment]
    await _change_case(
        session,
        gen,
        d.case_id,
        {
            "unit_id": d.unit_id,
            "category": d.category,
            "decided_on": d.decided_on,
            "penalty_kinds": sorted(d.penalty_kinds),
            "fine_amount": d.fine_amount,
            "confiscation_amount": d.confiscation_amount,
            "hearing_held": d.hearing_held,
        },
    )


async def _case_closed(session: AsyncSession, gen: int, fold: Fold) -> None:
    d: CaseClosed = fold.data  # type: ignore[assignment]
    await _change_case(
        session,
        gen,
        d.case_id,
        {
            "unit_id": d.unit_id,
            "category": d.category,
            "filed_on": d.filed_on,
            "closed_on": d.closed_on,
            "closed_fine_amount": d.fine_amount,
            "closed_confiscation_amount": d.confiscation_amount,
            "closed_hearing_held": d.hearing_held,
        },
    )


# --- officers and trainings (STAT-5a, STAT-5b, STAT-8) ------------------------------------------


async def _officer_state(session: AsyncSession, gen: int, fold: Fold, **values: Any) -> None:
    await session.execute(
        insert(StatOfficerState)
        .values(gen=gen, event_id=fold.envelope.id, seq=fold.offset, **values)
        .on_conflict_do_nothing(index_elements=[StatOfficerState.gen, StatOfficerState.event_id])
    )


async def _officer(session: AsyncSession, gen: int, fold: Fold) -> None:
    d: OfficerRegistered = fold.data  # type: ignore[assignment]
    await _officer_state(
        session,
        gen,
        fold,
        officer_id=d.officer_id,
        effective_on=fold.day,  # the registration or update counts from the day it was made
        unit_id=d.unit_id,
        name=d.name,
        staff_type=d.staff_type,
        certificate_no=d.certificate_no,
        certificate_expires_on=d.certificate_expires_on,
        qualification_status=d.qualification_status,
    )


async def _qualification(session: AsyncSession, gen: int, fold: Fold) -> None:
    d: OfficerQualificationChanged = fold.data  # type: ignore[assignment]
    previous = await session.scalar(
        select(StatOfficerState)
        .where(
            StatOfficerState.gen == gen,
            StatOfficerState.officer_id == d.officer_id,
            StatOfficerState.event_id != fold.envelope.id,
        )
        .order_by(StatOfficerState.seq.desc())
        .limit(1)
    )
    await _officer_state(
        session,
        gen,
        fold,
        officer_id=d.officer_id,
        effective_on=d.effective_on,
        unit_id=d.unit_id,
        name=previous.name if previous else "",
        staff_type=previous.staff_type if previous else "established",
        certificate_no=previous.certificate_no if previous else None,
        certificate_expires_on=previous.certificate_expires_on if previous else None,
        qualification_status=d.to_status,
    )


async def _training(session: AsyncSession, gen: int, fold: Fold) -> None:
    d: TrainingRecorded = fold.data  # type: ignore[assignment]
    values = {
        "kind": d.kind,
        "organizer_unit_id": d.organizer_unit_id,
        "title": d.title,
        "start_date": d.start_date,
        "end_date": d.end_date,
        "hours": Decimal(str(d.hours)),
        "attendee_ids": sorted(set(d.attendee_ids)),
    }
    await session.execute(
        insert(StatTraining)
        .values(gen=gen, training_id=d.training_id, **values)
        .on_conflict_do_update(index_elements=[StatTraining.gen, StatTraining.training_id], set_=values)
    )


# --- reviews (REV-5, REV-6, REV-12, REV-15) -----------------------------------------------------


async def _obligation(session: AsyncSession, gen: int, fold: Fold, **changes: Any) -> None:
    d = fold.data
    base = {"case_id": d.case_id, "unit_id": d.unit_id}  # type: ignore[attr-defined]
    defaults = {"excluded": False, "overdue": False, "closed_on": None}
    stmt = insert(StatObligation).values(
        gen=gen,
        obligation_id=d.obligation_id,  # type: ignore[attr-defined]
        **{**defaults, **base, **changes},
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[StatObligation.gen, StatObligation.obligation_id], set_={**base, **changes}
        )
    )


async def _obligation_created(session: AsyncSession, gen: int, fold: Fold) -> None:
    d: ReviewObligationCreated = fold.data  # type: ignore[assignment]
    await _obligation(session, gen, fold, closed_on=d.closed_on)


async def _obligation_overdue(session: AsyncSession, gen: int, fold: Fold) -> None:
    await _obligation(session, gen, fold, overdue=True)


async def _obligation_excluded(session: AsyncSession, gen: int, fold: Fold) -> None:
    await _obligation(session, gen, fold, excluded=True)


async def _review(session: AsyncSession, gen: int, fold: Fold) -> None:
    d: ReviewCompleted = fold.data  # type: ignore[assignment]
    values = {
        "case_id": d.case_id,
        "unit_id": d.unit_id,
        "kind": d.kind,
        "grade": d.grade,
        "score": d.score,
        "completed_on": fold.day,
    }
    await session.execute(
        insert(StatReview)
        .values(gen=gen, review_id=d.review_id, **values)
        .on_conflict_do_update(
            index_elements=[StatReview.gen, StatReview.review_id],
            # review.failed follows review.completed for the same review: its day stays the completion's
            set_={k: v for k, v in values.items() if k != "completed_on"},
        )
    )


async def _review_voided(session: AsyncSession, gen: int, fold: Fold) -> None:
    """REV-12: a review voided stays known but is no longer counted."""
    d: ReviewVoided = fold.data  # type: ignore[assignment]
    await session.execute(
        insert(StatReview)
        .values(
            gen=gen,
            review_id=d.review_id,
            case_id=d.case_id,
            unit_id=d.unit_id,
            kind=d.kind,
            grade=d.grade,
            score=0,
            completed_on=fold.day,
            voided=True,
        )
        .on_conflict_do_update(index_elements=[StatReview.gen, StatReview.review_id], set_={"voided": True})
    )


# --- tolerance (TOL-14, TOL-15) and accountability (ERR-5, ERR-11) ------------------------------


async def _tolerance_decided(session: AsyncSession, gen: int, fold: Fold) -> None:
    d: ToleranceDecided = fold.data  # type: ignore[assignment]
    values = {
        "unit_id": d.unit_id,
        "case_id": d.case_id,
        "officer_ids": sorted(set(d.officer_ids)),
        "outcome": d.outcome,
        "decided_on": d.decided_on,
    }
    await session.execute(
        insert(StatToleranceDecision)
        .values(gen=gen, application_id=d.application_id, **values)
        .on_conflict_do_update(
            index_elements=[StatToleranceDecision.gen, StatToleranceDecision.application_id], set_=values
        )
    )


async def _error_case(session: AsyncSession, gen: int, fold: Fold, **values: Any) -> None:
    d = fold.data
    await session.execute(
        insert(StatErrorCase)
        .values(gen=gen, error_case_id=d.error_case_id, **values)  # type: ignore[attr-defined]
        .on_conflict_do_update(index_elements=[StatErrorCase.gen, StatErrorCase.error_case_id], set_=values)
    )


async def _error_case_opened(session: AsyncSession, gen: int, fold: Fold) -> None:
    d: ErrorCaseOpened = fold.data  # type: ignore[assignment]
    # STAT-7: counted in the period of the fact — the day it was received (受理), not published.
    opened_on = d.received_on or fold.day
    await _error_case(session, gen, fold, unit_id=d.unit_id, case_id=d.case_id, source=d.source, opened_on=opened_on)


async def _error_case_decided(session: AsyncSession, gen: int, fold: Fold) -> None:
    d: ErrorCaseDecided = fold.data  # type: ignore[assignment]
    await _error_case(
        session, gen, fold, unit_id=d.unit_id, case_id=d.case_id, is_error_case=d.is_error_case, decided_on=d.decided_on
    )
    await session.execute(
        delete(StatRespondent).where(StatRespondent.gen == gen, StatRespondent.error_case_id == d.error_case_id)
    )
    for r in d.respondents:
        await session.execute(
            insert(StatRespondent)
            .values(
                gen=gen,
                error_case_id=d.error_case_id,
                officer_id=r.officer_id,
                tolerated=r.tolerated,
                sanctions=sorted(r.sanctions),
            )
            .on_conflict_do_nothing()
        )


async def _sanction_imposed(session: AsyncSession, gen: int, fold: Fold) -> None:
    """ERR-11 sanctions imposed, or (``accountability.sanction_withdrawn``) withdrawn — TOL-15, ERR-12."""
    d: SanctionImposed = fold.data  # type: ignore[assignment]
    await session.execute(
        insert(StatSanction)
        .values(
            gen=gen,
            event_id=fold.envelope.id,
            error_case_id=d.error_case_id,
            officer_id=d.officer_id,
            unit_id=d.unit_id,
            sanctions=sorted(d.sanctions),
            effective_on=d.effective_on,
            withdrawn=isinstance(d, SanctionWithdrawn),
        )
        .on_conflict_do_nothing()
    )


#: Every event type the projection counts, and its fold.
FOLDS: dict[type[EventData], FoldFn] = {
    UnitCreated: _unit,
    UnitUpdated: _unit,
    OfficerRegistered: _officer,
    OfficerUpdated: _officer,
    OfficerQualificationChanged: _qualification,
    TrainingRecorded: _training,
    CaseFiled: _case_filed,
    CaseDecided: _case_decided,
    CaseClosed: _case_closed,
    ReviewObligationCreated: _obligation_created,
    ReviewObligationOverdue: _obligation_overdue,
    ReviewObligationExcluded: _obligation_excluded,
    ReviewCompleted: _review,
    ReviewFailed: _review,
    ToleranceDecided: _tolerance_decided,
    ErrorCaseOpened: _error_case_opened,
    ErrorCaseDecided: _error_case_decided,
    SanctionImposed: _sanction_imposed,
    SanctionWithdrawn: _sanction_imposed,
    ReviewVoided: _review_voided,
}
_BY_TYPE = {model.type: fold for model, fold in FOLDS.items()}
TOPICS = sorted({model.topic for model in FOLDS})
#: Every type the live consumer applies (the directory's too): logged and positioned.
APPLIED_TYPES = frozenset(_BY_TYPE) | {model.type for model in DIRECTORY_EVENTS}


def position_key(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


async def _advance(session: AsyncSession, gen: int, fold: Fold) -> bool:
    """Record the event's position in ``gen``; False when the generation already has it."""
    rows = _cache(session, "positions")
    key = (gen, fold.topic, fold.partition)
    row = rows[key] if key in rows else await session.get(Position, key)  # one writer per partition
    now = datetime.now(UTC)
    if row is None:
        rows[key] = Position(
            gen=gen,
            topic=fold.topic,
            partition=fold.partition,
            next_offset=fold.offset + 1,
            last_event_time=fold.envelope.time,
            applied_at=now,
        )
        session.add(rows[key])
        return True
    rows[key] = row
    if fold.offset < row.next_offset:
        return False
    row.next_offset, row.last_event_time, row.applied_at = fold.offset + 1, fold.envelope.time, now
    return True


async def apply_to_generation(session: AsyncSession, gen: int, fold: Fold) -> bool:
    """Fold one event into ``gen`` unless the generation has it; True when applied. A type the
    directory keeps but the statistics do not count (``case.stage_changed``) only moves the position."""
    if fold.envelope.type not in APPLIED_TYPES or not await _advance(session, gen, fold):
        return False
    function = _BY_TYPE.get(fold.envelope.type)
    if function is not None:
        await function(session, gen, fold)
    return True


async def live_generation(session: AsyncSession, *, for_apply: bool = False) -> int:
    """The generation queries read. ``for_apply``: locked against a rebuild's switch (and a
    report's freezing) until the caller's transaction ends."""
    stmt = select(ProjectionState.live_gen).where(ProjectionState.id == 1)
    if for_apply:
        stmt = stmt.with_for_update(key_share=False)  # FOR UPDATE: a reader's FOR SHARE holds it off
    return (await session.execute(stmt)).scalar_one()


def _log(fold: Fold):
    """The event log's INSERT of an event at its position (nothing when its id is logged)."""
    return (
        insert(LoggedEvent)
        .values(
            event_id=fold.envelope.id,
            topic=fold.topic,
            partition=fold.partition,
            offset=fold.offset,
            type=fold.envelope.type,
            time=fold.envelope.time,
            data=fold.envelope.data,
        )
        .on_conflict_do_nothing(index_elements=[LoggedEvent.event_id])
    )


async def is_first_copy(session: AsyncSession, fold: Fold) -> bool:
    """Log the event at its first position; False for another copy of a logged event (the same
    id published again, at another position) — it is not applied again, live or in a rebuild."""
    inserted = await session.execute(_log(fold).returning(LoggedEvent.event_id))
    if inserted.first() is not None:
        return True
    logged = await session.get(LoggedEvent, fold.envelope.id)
    return logged is not None and (logged.topic, logged.partition, logged.offset) == (
        fold.topic,
        fold.partition,
        fold.offset,
    )


async def apply_event(session: AsyncSession, gen: int, fold: Fold) -> bool:
    """Fold a consumed record into ``gen`` (live or rebuild): once per event, once per generation."""
    if not await is_first_copy(session, fold):
        return False
    return await apply_to_generation(session, gen, fold)


async def apply_many(session: AsyncSession, gen: int, folds: list[Fold]) -> int:
    """A rebuild's batch: the same as :func:`apply_event` for each fold, in order, with the event
    log read and written once for the batch and the batch's cases and positions read up front."""
    if not folds:
        return 0
    logged = {
        row.event_id: (row.topic, row.partition, row.offset)
        for row in (
            await session.execute(
                select(LoggedEvent.event_id, LoggedEvent.topic, LoggedEvent.partition, LoggedEvent.offset).where(
                    LoggedEvent.event_id.in_({f.envelope.id for f in folds})
                )
            )
        )
    }
    firsts: list[Fold] = []
    for fold in folds:
        position = (fold.topic, fold.partition, fold.offset)
        if fold.envelope.id not in logged:
            logged[fold.envelope.id] = position  # the first copy of the batch is the one logged
            firsts.append(fold)
            await session.execute(_log(fold))
        elif logged[fold.envelope.id] == position:
            firsts.append(fold)
    cases = _cache(session, "cases")
    case_ids = {getattr(f.data, "case_id", None) for f in firsts if f.envelope.type.startswith("case.")} - {None}
    if case_ids:
        found = await session.scalars(select(StatCase).where(StatCase.gen == gen, StatCase.case_id.in_(case_ids)))
        rows = {row.case_id: row for row in found}
        for case_id in case_ids:
            cases[(gen, case_id)] = rows.get(case_id)
    positions = _cache(session, "positions")
    for row in await session.scalars(select(Position).where(Position.gen == gen)):
        positions[(gen, row.topic, row.partition)] = row
    applied = 0
    with session.no_autoflush:
        for fold in firsts:
            applied += await apply_to_generation(session, gen, fold)
    await flush_counters(session)
    return applied


async def apply_live(session: AsyncSession, fold: Fold) -> bool:
    """The live consumer's handling of one event (inside the inbox transaction)."""
    applied = await apply_event(session, await live_generation(session, for_apply=True), fold)
    await flush_counters(session)
    return applied


def fold_of(envelope: Envelope, topic: str, partition: int, offset: int) -> Fold | None:
    """The fold of a raw envelope (a replay from Kafka or the log); None for a type not applied."""
    model = event_model_for(envelope.type)
    if model is None or envelope.type not in APPLIED_TYPES:
        return None
    data = model.model_validate(known_fields(model, envelope.data))
    return Fold(data, envelope, topic, partition, offset)


async def positions_of(session: AsyncSession, gen: int) -> dict[str, int]:
    rows = await session.execute(
        select(Position.topic, Position.partition, Position.next_offset).where(Position.gen == gen)
    )
    return {position_key(t, p): o for t, p, o in rows}


async def lag_seconds(session: AsyncSession, gen: int) -> float:
    """How old the newest applied event was when applied (0 before any)."""
    value = await session.scalar(
        select(text("max(extract(epoch from applied_at - last_event_time))"))
        .select_from(Position)
        .where(Position.gen == gen)
    )
    return max(float(value or 0), 0.0)


PROJECTION_TABLES = (
    StatUnit,
    StatCase,
    StatCounter,
    StatOfficerState,
    StatTraining,
    StatObligation,
    StatReview,
    StatToleranceDecision,
    StatErrorCase,
    StatRespondent,
    StatSanction,
    Position,
)


async def drop_generation(session: AsyncSession, gen: int) -> None:
    for model in PROJECTION_TABLES:
        await session.execute(delete(model).where(model.gen == gen))


async def switch_live(session: AsyncSession, gen: int) -> None:
    await session.execute(
        update(ProjectionState).where(ProjectionState.id == 1).values(live_gen=gen, switched_at=datetime.now(UTC))
    )
