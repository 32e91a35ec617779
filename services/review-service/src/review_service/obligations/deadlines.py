"""The obligation scanner: one ``review.obligation_overdue`` per obligation still pending after
due_on — or transferred after it before the scanner ran (REV-5): the scan interval does not
decide whether a breach is recorded."""

from __future__ import annotations

from sqlalchemy import or_

from enforcement_common.contracts.review import ReviewObligationOverdue
from enforcement_common.events import OverdueScanner
from review_service.events import SERVICE
from review_service.models import Obligation


def overdue_event(obligation: Obligation) -> ReviewObligationOverdue:
    return ReviewObligationOverdue(
        obligation_id=obligation.id,
        case_id=obligation.case_id,
        unit_id=obligation.unit_id,
        lead_handler_id=obligation.lead_handler_id,
        due_on=obligation.due_on,
        basis=["REV-5"],
    )


def overdue_scanner(interval: float) -> OverdueScanner:
    return OverdueScanner(
        "obligations-overdue",
        SERVICE,
        due_column=Obligation.due_on,
        marker=Obligation.overdue_emitted_at,
        where=[or_(Obligation.status == "pending", Obligation.days_late.is_not(None))],
        event=overdue_event,
        interval=interval,
    )
