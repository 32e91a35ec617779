"""Error catalogues: every problem code a service answers, declared once.

An entry names the code's HTTP status, its titles in zh-CN and English and the rule ids
it cites by default. A service declares its catalogue, hands it to the app factory
(``create_service_app(errors=...)``) so problems carry the entry's title, and raises
problems from its entries::

    TRANSITION = ErrorCode("case.invalid_transition", 409, "案件状态不允许该操作", "Action not allowed now")
    CATALOGUE = ErrorCatalogue.collect(globals())  # or ErrorCatalogue(TRANSITION, ...)

    raise TRANSITION("'closure' is not possible while the case is filed.", allowed_actions=[...])

The platform's own codes (``request.invalid``, ``resource.not_found`` …) are in
:data:`PLATFORM`; every catalogue includes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from enforcement_common.api.problems import TITLES, ProblemError

__all__ = ["PLATFORM", "ErrorCatalogue", "ErrorCode"]


@dataclass(frozen=True)
class ErrorCode:
    """One stable problem code: its status, titles and default basis."""

    code: str
    status: int
    title_zh: str
    title_en: str
    basis: tuple[str, ...] = field(default=())

    def __call__(self, detail: str, *, basis: list[str] | None = None, **extensions: Any) -> ProblemError:
        """The :class:`ProblemError` to raise, with ``basis`` (or the entry's default)."""
        cited = basis if basis is not None else (list(self.basis) or None)
        return ProblemError(self.status, self.code, detail, basis=cited, **extensions)

    def error(self, detail: str, *, basis: list[str] | None = None, **extensions: Any) -> ProblemError:
        """Same as calling the entry."""
        return self(detail, basis=basis, **extensions)


class ErrorCatalogue:
    """The codes of one service (and, always, the platform's)."""

    def __init__(self, *entries: ErrorCode | Iterable[ErrorCode]) -> None:
        self._entries: dict[str, ErrorCode] = {}
        for item in (*PLATFORM_CODES, *entries):
            for entry in [item] if isinstance(item, ErrorCode) else item:
                known = self._entries.get(entry.code)
                if known is not None and known != entry:
                    raise ValueError(f"problem code {entry.code} declared twice, differently")
                self._entries[entry.code] = entry

    @classmethod
    def collect(cls, namespace: Mapping[str, object]) -> ErrorCatalogue:
        """The catalogue of every :class:`ErrorCode` in ``namespace`` — a service's
        ``errors`` module ends with ``CATALOGUE = ErrorCatalogue.collect(globals())``."""
        return cls(*(value for value in list(namespace.values()) if isinstance(value, ErrorCode)))

    def __contains__(self, code: object) -> bool:
        return code in self._entries

    def __getitem__(self, code: str) -> ErrorCode:
        return self._entries[code]

    def __iter__(self) -> Iterator[ErrorCode]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self._entries)

    def title(self, code: str, english: bool) -> str | None:
        entry = self._entries.get(code)
        if entry is None:
            return None
        return entry.title_en if english else entry.title_zh

    def error(self, code: str, detail: str, **kwargs: Any) -> ProblemError:
        """A :class:`ProblemError` of the entry ``code`` (KeyError for an undeclared code)."""
        return self._entries[code](detail, **kwargs)


#: Status of the platform's own codes (the titles are in ``api.problems.TITLES``).
_PLATFORM_STATUS = {
    "request.invalid": 422,
    "http.not_found": 404,
    "http.method_not_allowed": 405,
    "http.error": 400,
    "request.malformed_json": 400,
    "request.too_large": 413,
    "request.nesting_too_deep": 400,
    "request.unsupported_media_type": 415,
    "auth.missing_token": 401,
    "auth.invalid_token": 401,
    "auth.token_expired": 401,
    "auth.invalid_claims": 401,
    "auth.forbidden": 403,
    "resource.not_found": 404,
    "pagination.invalid_cursor": 400,
    "idempotency.invalid_key": 400,
    "idempotency.key_reused": 422,
    "idempotency.in_flight": 409,
    "concurrency.precondition_failed": 412,
    "concurrency.precondition_required": 428,
    "calendar.not_covered": 422,
    "policy.retroactive": 422,
    "policy.version_exists": 409,
    "policy.not_in_force": 422,
    "request.unprocessable_value": 422,
    "resource.conflict": 409,
    "request.invalid_reference": 422,
    "service.not_ready": 503,
    "service.database_unavailable": 503,
    "internal.error": 500,
}

PLATFORM_CODES: tuple[ErrorCode, ...] = tuple(
    ErrorCode(code, status, *TITLES[code]) for code, status in _PLATFORM_STATUS.items()
)
#: The platform's codes as a catalogue of their own.
PLATFORM = ErrorCatalogue()
