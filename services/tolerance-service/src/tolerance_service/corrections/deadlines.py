"""The correction scanner: one ``tolerance.correction_overdue`` per open correction and due date
passed (TOL-17) — an approved extension moves the due date, which is then watched again.
Completed later, it reads ``met_late``; ``breached_due_on`` keeps the breach visible."""

from __future__ import annotations

from datetime import datetime

from enforcement_common.contracts.tolerance import ToleranceCorrectionOverdue
from enforcement_common.events import OverdueScanner
from tolerance_service.events import SERVICE
from tolerance_service.models import Correction


def overdue_event(correction: Correction) -> ToleranceCorrectionOverdue:
    return ToleranceCorrectionOverdue(
        correction_id=correction.id,
        application_id=correction.application_id,
        unit_id=correction.unit_id,
        due_on=correction.due_on,
        basis=["TOL-17"],
    )


def _mark(correction: Correction, now: datetime) -> None:
    correction.overdue_due_on = correction.due_on


def correction_scanner(interval: float) -> OverdueScanner:
    return OverdueScanner(
        "corrections-overdue",
        SERVICE,
        due_column=Correction.due_on,
        marker=Correction.overdue_due_on,
        unmarked=Correction.overdue_due_on.is_distinct_from(Correction.due_on),
        mark=_mark,
        where=[Correction.status == "open"],
        event=overdue_event,
        interval=interval,
    )
