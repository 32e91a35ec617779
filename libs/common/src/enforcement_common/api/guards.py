"""Request guards applied before routing: body size and content type.

An oversized body answers 413 ``request.too_large``; a body in a media type the
API does not speak answers 415 ``request.unsupported_media_type`` — both as
problems, before any handler runs.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from enforcement_common.api.problems import problem_response

BODY_METHODS = {"POST", "PUT", "PATCH"}
ACCEPTED_MEDIA_TYPES = ("application/json", "application/x-ndjson", "application/merge-patch+json")


class _TooLarge(StarletteHTTPException):
    """An HTTPException so that FastAPI's body reading passes it through unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The body exceeds {limit} bytes.")


class RequestGuardMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await self._too_large(request, scope, receive, send)
            return
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        has_body = (length not in (None, "0")) or request.headers.get("transfer-encoding") == "chunked"
        if has_body and not (
            media_type in ACCEPTED_MEDIA_TYPES
            or (media_type.startswith("application/") and media_type.endswith("+json"))
        ):
            await problem_response(
                request,
                415,
                "request.unsupported_media_type",
                f"Send the body as application/json (got '{media_type or 'none'}').",
            )(scope, receive, send)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _TooLarge(self.max_body_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self._too_large(request, scope, receive, send)

    async def _too_large(self, request: Request, scope: Scope, receive: Receive, send: Send) -> None:
        await problem_response(request, 413, "request.too_large", f"The body exceeds {self.max_body_bytes} bytes.")(
            scope, receive, send
        )
