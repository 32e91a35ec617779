"""The notification scanner: one ``tolerance.notification_overdue`` per decided application not
notified by notify_due_on (TOL-14). A late notification later is recorded as ``met_late``."""

from __future__ import annotations

from enforcement_common.contracts.tolerance import ToleranceNotificationOverdue
from enforcement_common.events import OverdueScanner
from tolerance_service.events import SERVICE
from tolerance_service.models import Application


def overdue_event(application: Application) -> ToleranceNotificationOverdue:
    return ToleranceNotificationOverdue(
        application_id=application.id,
        unit_id=application.unit_id,
        notify_due_on=application.notify_due_on,
        basis=["TOL-14"],
        policy_id=application.policy_id,
    )


def notification_scanner(interval: float) -> OverdueScanner:
    return OverdueScanner(
        "notifications-overdue",
        SERVICE,
        due_column=Application.notify_due_on,
        marker=Application.notification_overdue_emitted_at,
        where=[Application.status == "decided", Application.notified_on.is_(None)],
        event=overdue_event,
        interval=interval,
    )
