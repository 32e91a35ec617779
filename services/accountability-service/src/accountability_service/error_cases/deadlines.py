"""The transfer deadline of ERR-10 (一): an error case still only accepted after its due date
(neither transferred nor taken into investigation) gets one accountability.deadline_overdue."""

from __future__ import annotations

from accountability_service.events import SERVICE
from accountability_service.models import ErrorCase
from enforcement_common.contracts.accountability import AccountabilityDeadlineOverdue
from enforcement_common.events import OverdueScanner


def overdue_event(case: ErrorCase) -> AccountabilityDeadlineOverdue:
    return AccountabilityDeadlineOverdue(
        error_case_id=case.id, unit_id=case.unit_id, kind="transfer", due_on=case.transfer_due_on, basis=["ERR-10"]
    )


def transfer_overdue_scanner(interval: float) -> OverdueScanner:
    return OverdueScanner(
        "error-case-transfer-overdue",
        SERVICE,
        due_column=ErrorCase.transfer_due_on,
        marker=ErrorCase.transfer_overdue_emitted_at,
        where=[ErrorCase.status == "accepted"],
        event=overdue_event,
        interval=interval,
    )
