"""Correlation ids, JSON logs and Prometheus request metrics.

A request's correlation id comes from ``X-Correlation-ID`` or is generated; it is
kept in a context variable so that logs (and, later, the events a request causes)
carry it, and it is echoed in the response.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "x-correlation-id"
_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
# A client's id is echoed into logs and headers: keep it short and printable.
_VALID_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


_causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def current_causation_id() -> str | None:
    """Id of the event being handled, when code runs inside an event handler."""
    return _causation_id.get()


@contextmanager
def event_context(correlation_id: str | None, causation_id: str | None) -> Iterator[None]:
    """Handling an event: what it causes carries its correlation id, and its id as causation."""
    correlation_token = _correlation_id.set(correlation_id)
    causation_token = _causation_id.set(causation_id)
    try:
        yield
    finally:
        _causation_id.reset(causation_token)
        _correlation_id.reset(correlation_token)


class _Stdout:
    """Whatever ``sys.stdout`` is at write time (test capture swaps it; a bound file would go stale)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def configure_logging(service: str, level: str = "INFO") -> None:
    """JSON lines on stdout — ours and those of libraries (uvicorn, aiokafka, SQLAlchemy) —
    each with the service name and the current correlation id."""

    def add_context(_logger: object, _name: str, event: dict) -> dict:
        event.setdefault("service", service)
        correlation_id = _correlation_id.get()
        if correlation_id:
            event.setdefault("correlation_id", correlation_id)
        return event

    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        numeric_level = logging.INFO
    shared = [
        structlog.contextvars.merge_contextvars,
        add_context,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = structlog.processors.JSONRenderer(ensure_ascii=False)
    handler = logging.StreamHandler(_Stdout())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric_level)
    quiet_library_logs()
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(_Stdout()),
        cache_logger_on_first_use=False,
    )


class HttpMetrics:
    """Request counters and latency histograms of one app, in the app's own registry."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests by route template, method and status",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency by route template and method",
            ["service", "method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )
        #: Set by each /readyz: an outage shows in the metrics (with the relay's failures and consumer lag).
        self.dependency_up = Gauge(
            "service_dependency_up",
            "1 when the dependency answered the last readiness check, 0 when it was down",
            ["service", "dependency"],
            registry=self.registry,
        )
        self.service = service


class RequestContextMiddleware:
    """Correlation id, an access log line and request metrics, as one pure ASGI middleware."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics, api_prefix: str = "") -> None:
        self.app = app
        self.metrics = metrics
        self.api_prefix = api_prefix
        self.log = structlog.get_logger("access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", ()):
            if name == b"x-correlation-id":
                incoming = value.decode("latin-1")
                break
        correlation_id = incoming if incoming and _VALID_CORRELATION_ID.match(incoming) else str(uuid.uuid4())
        token = _correlation_id.set(correlation_id)
        status = 500
        started = time.perf_counter()

        async def send_with_header(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-correlation-id", correlation_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "<unmatched>"
            # FastAPI keeps an included router's routes without the include prefix.
            if (
                self.api_prefix
                and scope.get("path", "").startswith(self.api_prefix)
                and not template.startswith(self.api_prefix)
                and route
            ):
                template = self.api_prefix + template
            method = scope.get("method", "")
            self.metrics.requests.labels(self.metrics.service, method, template, str(status)).inc()
            self.metrics.latency.labels(self.metrics.service, method, template).observe(elapsed)
            if not template.startswith(("/metrics", "/healthz", "/readyz")):
                self.log.info(
                    "request",
                    method=method,
                    route=template,
                    path=scope.get("path"),
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
            _correlation_id.reset(token)


#: Libraries whose own loggers repeat one message per reconnect attempt (aiokafka: "Unable
#: connect to node", "Unable to update metadata", "Group Coordinator Request failed" — many
#: a second while the broker is away). Their repeats are throttled; our own warnings already
#: come one per back-off step.
NOISY_LIBRARIES = ("aiokafka",)
#: One message of a kind per this many seconds; the next one says how many were held back.
LIBRARY_LOG_INTERVAL_SECONDS = 30.0


class RepeatThrottle(logging.Filter):
    """Lets one record of a kind (logger, level, message template) through per ``interval``
    seconds; the next one passed names how many were suppressed meanwhile."""

    def __init__(self, interval: float = LIBRARY_LOG_INTERVAL_SECONDS, clock=time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._last: dict[tuple[str, int, str], float] = {}
        self._held: dict[tuple[str, int, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        kind = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        last = self._last.get(kind)
        if last is not None and now - last < self.interval:
            self._held[kind] = self._held.get(kind, 0) + 1
            return False
        self._last[kind] = now
        held = self._held.pop(kind, 0)
        if held:
            record.msg = f"{record.msg} [{held} more like this in the last {self.interval:.0f} s suppressed]"
        return True


_THROTTLE = RepeatThrottle()


def quiet_library_logs() -> None:
    """Throttle the repeats of :data:`NOISY_LIBRARIES`' loggers (idempotent): a Kafka outage
    then costs a few lines a minute, not thousands a second."""
    for module in ("aiokafka.consumer.group_coordinator", "aiokafka.producer.sender"):
        importlib.import_module(module)  # their modules' loggers exist once imported

    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in NOISY_LIBRARIES:
            logger = logging.getLogger(name)
            if _THROTTLE not in logger.filters:
                logger.addFilter(_THROTTLE)
