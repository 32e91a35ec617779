"""The correction scanner: one ``tolerance.correction_overdue`` per open correction past its due
date (TOL-17). Completed later, it reads ``met_late``: the breach stays visible."""

from __future__ import annotations

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


def correction_scanner(interval: float) -> OverdueScanner:
    return OverdueScanner(
        "corrections-overdue",
        SERVICE,
        due_column=Correction.due_on,
        marker=Correction.overdue_emitted_at,
        where=[Correction.status == "open"],
        event=overdue_event,
        interval=interval,
    )
