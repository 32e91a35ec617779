"""RFC 9457 ``application/problem+json`` errors for every failure a client can meet.

Domain code raises :class:`ProblemError` (a stable ``code``, an HTTP status and,
when a rule refused, ``basis`` rule ids); :func:`install_problem_handlers` renders
it, and also turns FastAPI's own errors (unknown route, wrong method, invalid
request) and unexpected exceptions into problems. Titles are zh-CN by default and
English when the client prefers ``en`` in ``Accept-Language``.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from enforcement_common.db import is_database_unavailable
from enforcement_common.observability import current_correlation_id

PROBLEM_CONTENT_TYPE = "application/problem+json"
log = structlog.get_logger(__name__)

#: Titles per stable code: (zh-CN, en).
TITLES: dict[str, tuple[str, str]] = {
    "policy.retroactive": ("政策版本的生效日期早于今日", "Policy version would take effect retroactively"),
    "policy.version_exists": ("该单位在此日期已有政策版本", "Policy version already exists"),
    "policy.not_in_force": ("该日期无有效的政策版本", "No policy version in force"),
    "request.invalid": ("请求参数不合法", "Request is invalid"),
    "http.not_found": ("资源不存在", "Not found"),
    "http.method_not_allowed": ("不支持该请求方法", "Method not allowed"),
    "http.error": ("请求错误", "Request error"),
    "request.malformed_json": ("请求体不是合法的 JSON", "Malformed JSON body"),
    "request.too_large": ("请求体过大", "Request body too large"),
    "request.nesting_too_deep": ("请求体嵌套层级过深", "JSON nested too deeply"),
    "request.unsupported_media_type": ("不支持的请求体格式", "Unsupported media type"),
    "auth.missing_token": ("缺少身份令牌", "Authentication required"),
    "auth.invalid_token": ("身份令牌无效", "Invalid token"),
    "auth.token_expired": ("身份令牌已过期", "Token expired"),
    "auth.invalid_claims": ("身份令牌声明不完整", "Invalid token claims"),
    "auth.forbidden": ("无权执行此操作", "Forbidden"),
    "resource.not_found": ("资源不存在", "Not found"),
    "pagination.invalid_cursor": ("分页游标无效", "Invalid cursor"),
    "idempotency.invalid_key": ("幂等键不合法", "Invalid Idempotency-Key"),
    "idempotency.key_reused": ("幂等键已用于其他请求", "Idempotency-Key reused"),
    "idempotency.in_flight": ("相同幂等键的请求正在处理", "Request in progress"),
    "concurrency.precondition_failed": ("资源已被修改", "Precondition failed"),
    "concurrency.precondition_required": ("缺少 If-Match 请求头", "Precondition required"),
    "calendar.not_covered": ("日期超出节假日日历范围", "Date outside the holiday calendar"),
    "request.unprocessable_value": ("数据值无法保存", "Value cannot be stored"),
    "resource.conflict": ("与现有记录冲突", "Conflict with an existing record"),
    "request.invalid_reference": ("引用的记录不存在", "Invalid reference"),
    "service.not_ready": ("服务尚未就绪", "Service not ready"),
    "service.database_unavailable": ("数据库连接中断", "Database unavailable"),
    "internal.error": ("服务器内部错误", "Internal server error"),
}


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of this API is answered."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="stable machine-readable code, e.g. case.invalid_transition")
    basis: list[str] | None = Field(default=None, description="rule ids (RULES.md) when a rule refused")
    errors: list[dict[str, Any]] | None = Field(default=None, description="field errors of a 422")
    correlation_id: str | None = None


def problem_type(code: str) -> str:
    return f"urn:enforcement:problem:{code}"


def prefers_english(request: Request | None) -> bool:
    if request is None:
        return False
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].strip().lower()
    return first.startswith("en")


def title_for(code: str, request: Request | None, fallback: str | None = None) -> str:
    """The code's title in the client's language: from the service's error catalogue
    (``create_service_app(errors=...)``), else the platform's titles, else the code."""
    english = prefers_english(request)
    app = request.scope.get("app") if request is not None else None
    catalogue = getattr(getattr(app, "state", None), "error_catalogue", None)
    if catalogue is not None:
        title = catalogue.title(code, english)
        if title is not None:
            return title
    zh, en = TITLES.get(code, (fallback or code, fallback or code))
    return en if english else zh


class ProblemError(Exception):
    """A failure to report to the client as a problem; raise it from services, never HTTPException."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        basis: list[str] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.basis = basis
        self.headers = headers
        self.extensions = extensions


def problem_response(
    request: Request | None,
    status: int,
    code: str,
    detail: str,
    *,
    basis: list[str] | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title_for(code, request),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if basis:
        body["basis"] = basis
    correlation_id = current_correlation_id()
    if correlation_id:
        body["correlation_id"] = correlation_id
    body.update(extensions)
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_CONTENT_TYPE, headers=headers)


async def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request, exc.status, exc.code, exc.detail, basis=exc.basis, headers=exc.headers, **exc.extensions
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {
        400: "request.malformed_json",  # FastAPI's "There was an error parsing the body"
        404: "http.not_found",
        405: "http.method_not_allowed",
        413: "request.too_large",
    }.get(exc.status_code, "http.error")
    return problem_response(request, exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if any(error.get("type") == "json_invalid" for error in exc.errors()):
        return problem_response(request, 400, "request.malformed_json", "The body is not valid JSON.")
    errors = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type", "")}
        for error in exc.errors()
    ]
    return problem_response(request, 422, "request.invalid", "The request does not match the schema.", errors=errors)


class UnexpectedErrorMiddleware:
    """Turns an exception no handler took into a generic 500 problem.

    It sits inside the correlation-id middleware, so the problem and the log line
    carry the request's correlation id; the traceback goes to the log only.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if not started and is_database_unavailable(exc):
                # Not a DBAPIError (a refused connect is an OSError, an empty pool a timeout),
                # or raised outside the route: still the database being away, still a 503.
                log.warning("database_unavailable", error=repr(exc), path=scope.get("path"))
                await database_unavailable(Request(scope))(scope, receive, send)
                return
            log.exception("unhandled_exception", path=scope.get("path"), method=scope.get("method"))
            if started:
                raise  # too late for a problem body; the server closes the connection
            response = problem_response(
                Request(scope), 500, "internal.error", "An unexpected error occurred; quote the correlation id."
            )
            await response(scope, receive, send)


def sqlstate_of(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE behind a SQLAlchemy error, when there is one."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None)


def is_data_exception(exc: BaseException) -> bool:
    """SQLSTATE class 22 (data exception): a value the database cannot take — NUL
    characters in text, numbers out of range… — i.e. bad client input, not a failure.
    asyncpg refuses some such values before sending them (a DataError without SQLSTATE)."""
    state = sqlstate_of(exc)
    if state is not None:
        return state.startswith("22")
    return type(getattr(exc, "orig", None)).__name__ == "DataError"


def data_problem_detail(exc: BaseException) -> str:
    return f"A value cannot be stored (SQLSTATE {sqlstate_of(exc)}); text must not contain NUL characters and numbers must be in range."


def is_constraint_violation(exc: BaseException) -> bool:
    """SQLSTATE class 23 (integrity constraint): a duplicate or a dangling reference the
    request caused — a race between a check and the insert, typically."""
    state = sqlstate_of(exc)
    return state is not None and state.startswith("23")


def constraint_problem(exc: BaseException) -> tuple[int, str, str]:
    if sqlstate_of(exc) == "23505":
        return 409, "resource.conflict", "It conflicts with an existing record (a unique value is already taken)."
    return (
        422,
        "request.invalid_reference",
        f"It refers to something that does not exist or misses a value (SQLSTATE {sqlstate_of(exc)}).",
    )


def database_unavailable(request: Request | None) -> JSONResponse:
    """503 ``service.database_unavailable`` with Retry-After: the database could not be reached."""
    response = problem_response(
        request, 503, "service.database_unavailable", "The database connection was lost; retry the request."
    )
    response.headers["Retry-After"] = "1"
    return response


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if is_database_unavailable(exc):
        # The database restarted, refuses connections, is starting up or shutting down, or
        # the connection dropped — typically on the request's first statement (the
        # idempotency claim, or over a pooled connection that had died: there is no
        # pre-ping). Nothing was done; the pool reconnects and a retry goes through. (Lost
        # during COMMIT, the outcome is unknown; a retry with the same Idempotency-Key is
        # still the safe move: it replays or runs once.)
        log.warning("database_unavailable", error=repr(exc))
        return database_unavailable(request)
    if is_data_exception(exc):
        return problem_response(request, 422, "request.unprocessable_value", data_problem_detail(exc))
    if is_constraint_violation(exc):
        return problem_response(request, *constraint_problem(exc))
    raise exc  # a real failure: the catch-all answers a generic 500 and logs it


async def _stale_data(request: Request, exc: Exception) -> JSONResponse:
    # Versioned rows: another writer updated the row between our read and our write.
    return problem_response(
        request, 412, "concurrency.precondition_failed", "The resource changed meanwhile; read it again and retry."
    )


def document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document tell the truth about errors: every 4xx/5xx is a Problem.

    FastAPI documents its own 422 body (``HTTPValidationError``); ours is a problem,
    so that entry is replaced, and each error response points at the Problem schema.
    """
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        # Problem, and models that routes document by reference only (e.g. items of an NDJSON body).
        for model in (Problem, *getattr(app.state, "openapi_models", ())):
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(model_schema.pop("$defs", {}))
            components[model.__name__] = model_schema
        reference = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.get("responses", {})
                for status, response in responses.items():
                    if status[:1] in {"4", "5"}:
                        response["content"] = reference
                responses.setdefault("default", {"description": "Error (RFC 9457 problem)", "content": reference})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_problem_handlers(app: FastAPI) -> None:
    document_problems(app)
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(StaleDataError, _stale_data)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
