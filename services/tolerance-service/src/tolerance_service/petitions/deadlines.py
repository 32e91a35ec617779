"""The feedback scanner: one ``tolerance.petition_feedback_overdue`` per real-name petition whose
reporter got no feedback by feedback_due_on (TOL-19). The event names neither the reporter
nor the officers concerned."""

from __future__ import annotations

from enforcement_common.contracts.tolerance import TolerancePetitionFeedbackOverdue
from enforcement_common.events import OverdueScanner
from tolerance_service.events import SERVICE
from tolerance_service.models import Petition


def overdue_event(petition: Petition) -> TolerancePetitionFeedbackOverdue:
    return TolerancePetitionFeedbackOverdue(
        petition_id=petition.id,
        unit_id=petition.unit_id,
        feedback_due_on=petition.feedback_due_on,
        basis=["TOL-19"],
        policy_id=petition.policy_id,
    )


def feedback_scanner(interval: float) -> OverdueScanner:
    return OverdueScanner(
        "petition-feedback-overdue",
        SERVICE,
        due_column=Petition.feedback_due_on,
        marker=Petition.feedback_overdue_emitted_at,
        where=[Petition.anonymous.is_(False), Petition.feedback_on.is_(None)],
        event=overdue_event,
        interval=interval,
    )
