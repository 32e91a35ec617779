"""Pure rules of officer qualification (CASE-3, REV-8)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from enforcement_common.contracts.case import QualificationStatus

QualificationAction = Literal["suspend", "reinstate", "revoke"]

#: Roles that need full ID-card numbers; everyone else reads them masked.
ID_NUMBER_ROLES = frozenset({"admin", "unit_leader", "justice_bureau", "discipline"})


def qualification_status(
    restriction: str, certificate_number: str | None, expires_on: date | None, today: date
) -> QualificationStatus:
    """What a certificate is worth today: a revocation or suspension first, then the dates.

    An expired (or missing) certificate reads as ``uncertified`` (CASE-3).
    """
    if restriction == "revoked":
        return "revoked"
    if restriction == "suspended":
        return "suspended"
    if not certificate_number or expires_on is None or expires_on < today:
        return "uncertified"
    return "active"


def action_allowed(action: QualificationAction, restriction: str) -> bool:
    """suspend: unless suspended or revoked; reinstate: only a suspension; revoke: unless revoked."""
    return {
        "suspend": restriction == "none",
        "reinstate": restriction == "suspended",
        "revoke": restriction != "revoked",
    }[action]


def restriction_after(action: QualificationAction) -> str:
    return {"suspend": "suspended", "reinstate": "none", "revoke": "revoked"}[action]


def reinstatement_requirements_met(
    suspended_on: date,
    trainings: list[tuple[date, date]],
    passed_assessment_dates: list[date],
    today: date,
) -> bool:
    """REV-8 (待考核合格后重新上岗): after a suspension for unqualified files, reinstatement needs
    a training attended — begun after the suspension date and over by today — and a passed
    assessment after the suspension date and not after today. ``trainings``: (start, end)."""
    return any(suspended_on < start and end <= today for start, end in trainings) and any(
        suspended_on < d <= today for d in passed_assessment_dates
    )


def mask_id_number(value: str | None) -> str | None:
    """``142701198001011234`` ⇒ ``1427**********1234``."""
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_id_numbers(value: Any) -> Any:
    """``value`` with every ``id_number`` in it masked, however deep (e.g. a party's previous
    values in a timeline entry), for readers without the need to see them."""
    if isinstance(value, dict):
        return {
            key: mask_id_number(item) if key == "id_number" and isinstance(item, str) else mask_id_numbers(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_id_numbers(item) for item in value]
    return value
