"""Pure rules of officer qualification (CASE-3, REV-8)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from enforcement_common.contracts.case import QualificationStatus

QualificationAction = Literal["suspend", "reinstate", "revoke"]

#: Roles that need full ID-card numbers; everyone else reads them masked.
ID_NUMBER_ROLES = frozenset({"admin", "unit_leader", "justice_bureau", "discipline"})


#: A period of suspension or revocation: (restriction, from_on, until_on) — in force from
#: ``from_on`` until the day before ``until_on`` (the reinstatement), or on while ``until_on`` is None.
RestrictionPeriod = tuple[str, date, date | None]


def qualification_status(
    restriction: str,
    certificate_number: str | None,
    expires_on: date | None,
    today: date,
    *,
    issued_on: date | None = None,
    restricted_on: date | None = None,
    periods: Sequence[RestrictionPeriod] | None = None,
) -> QualificationStatus:
    """What a certificate is worth on ``today`` (any date): a revocation or suspension in
    force on that date first, then the certificate's dates (CASE-3).

    An expired, missing or not yet issued certificate (``issued_on`` after the date) reads as
    ``uncertified``. The restriction in force is read from ``periods`` (the officer's history)
    when given, else from the current ``restriction``, in force from ``restricted_on``.
    """
    if periods is not None:
        in_force = {kind for kind, start, end in periods if start <= today and (end is None or today < end)}
    else:
        in_force = {restriction} if restricted_on is None or restricted_on <= today else set()
    if "revoked" in in_force:
        return "revoked"
    if "suspended" in in_force:
        return "suspended"
    if not certificate_number or expires_on is None or expires_on < today:
        return "uncertified"
    if issued_on is not None and issued_on > today:
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
