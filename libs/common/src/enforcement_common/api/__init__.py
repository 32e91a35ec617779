"""HTTP API building blocks shared by every service: problems (RFC 9457) and the error
catalogue, routing (the session, documented problems), pagination and list filters,
optimistic concurrency, the transaction owner (``transaction``), idempotency, guards."""

from enforcement_common.api.concurrency import IfMatchDep, Versioned, check_if_match, set_etag
from enforcement_common.api.errors import ErrorCatalogue, ErrorCode
from enforcement_common.api.pagination import ListQuery, Page, PageParamsDep, paginate
from enforcement_common.api.problems import ProblemError, install_problem_handlers, problem_response
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep, app_settings, problem

__all__ = [
    "COMMON_RESPONSES",
    "NOT_FOUND",
    "ErrorCatalogue",
    "ErrorCode",
    "IfMatchDep",
    "ListQuery",
    "Page",
    "PageParamsDep",
    "ProblemError",
    "SessionDep",
    "Versioned",
    "app_settings",
    "check_if_match",
    "install_problem_handlers",
    "paginate",
    "problem",
    "problem_response",
    "set_etag",
]
