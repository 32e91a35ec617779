"""API docs that work on an intranet (政务外网): Swagger UI at ``/docs`` and ReDoc at ``/redoc``,
with their JavaScript, CSS and icon served by the service itself from the copies packaged in
``fastapi-offline`` (pinned in libs/common/pyproject.toml), under ``/docs/static/``.

FastAPI's own pages load Swagger UI from a public CDN, the favicon from fastapi.tiangolo.com and
ReDoc's fonts from Google: without internet access ``/docs`` stays blank. Here every URL in the
pages is same-origin (and relative to the proxy's ``root_path``), Swagger UI's online validator is
off, ReDoc's Google fonts are not linked, ReDoc's sidebar logo (loaded from cdn.redoc.ly by its
bundle) is an inline blank image, and the pages carry a Content-Security-Policy that lets the
browser fetch, connect to and run nothing but this origin, so an asset of a later version that
reaches out is blocked rather than sending a request off the machine. ``/openapi.json`` is unchanged; the docs stay
outside ``/api/v1`` and need no token, as before.

Usage (done by :func:`enforcement_common.app.create_service_app`)::

    app = FastAPI(docs_url=None, redoc_url=None, ...)
    mount_docs(app)
"""

from __future__ import annotations

import functools
import hashlib
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

__all__ = ["ASSETS", "DOCS_CSP", "DOCS_URL", "REDOC_URL", "STATIC_URL", "mount_docs"]

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
STATIC_URL = "/docs/static"

#: The packaged files the pages use: Swagger UI 5 (bundle and stylesheet), ReDoc 2 (standalone
#: bundle) and FastAPI's icon.
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")

#: Everything from this origin only. Inline script and style: FastAPI's page starts Swagger UI
#: with an inline script, and both UIs inject inline styles; ReDoc runs its search in a worker
#: made from a blob URL and Swagger UI shows inline (data:) images.
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)

#: ReDoc 2's bundle shows "API docs by Redocly" with a logo from this address, unconditionally.
REDOCLY_LOGO = b'"https://cdn.redoc.ly/redoc/logo-mini.svg"'
BLANK_IMAGE = b'"data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27/%3E"'


def _static_dir() -> Path:
    directory = Path(str(files("fastapi_offline") / "static"))
    missing = [name for name in ASSETS if not (directory / name).is_file()]
    if missing:  # a changed fastapi-offline layout must fail at start-up, not as a blank page
        raise RuntimeError(f"fastapi-offline no longer ships {', '.join(missing)} in {directory}")
    return directory


@functools.cache
def _redoc_bundle(static: Path) -> tuple[bytes, str]:
    """ReDoc's bundle with its logo as an inline image, and its ETag (read once per process)."""
    script = (static / "redoc.standalone.js").read_bytes().replace(REDOCLY_LOGO, BLANK_IMAGE)
    return script, '"' + hashlib.sha256(script).hexdigest()[:32] + '"'


def _page(html: HTMLResponse) -> HTMLResponse:
    html.headers["Content-Security-Policy"] = DOCS_CSP
    html.headers["Cache-Control"] = "no-cache"
    return html


def mount_docs(app: FastAPI) -> None:
    """Serve Swagger UI at ``/docs``, ReDoc at ``/redoc`` and their assets at ``/docs/static/``.

    The app must be created with ``docs_url=None, redoc_url=None`` (FastAPI's CDN pages off).
    """
    if app.docs_url or app.redoc_url:
        raise ValueError("create the app with docs_url=None and redoc_url=None: mount_docs serves both")
    static = _static_dir()
    redoc_js, redoc_etag = _redoc_bundle(static)
    openapi_url = app.openapi_url or "/openapi.json"

    # Before the mount, which would serve the unpatched file.
    @app.get(f"{STATIC_URL}/redoc.standalone.js", include_in_schema=False)
    async def redoc_bundle(request: Request) -> Response:
        headers = {"ETag": redoc_etag, "Cache-Control": "no-cache"}
        if request.headers.get("if-none-match") == redoc_etag:
            return Response(status_code=304, headers=headers)
        return Response(redoc_js, media_type="text/javascript; charset=utf-8", headers=headers)

    app.mount(STATIC_URL, StaticFiles(directory=static), name="docs-static")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return _page(
            get_swagger_ui_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{root}{STATIC_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{STATIC_URL}/swagger-ui.css",
                swagger_favicon_url=f"{root}{STATIC_URL}/favicon.png",
                oauth2_redirect_url=None,  # bearer tokens only: no OAuth2 flow to return from
                # No badge that asks validator.swagger.io about the document.
                swagger_ui_parameters={**(app.swagger_ui_parameters or {}), "validatorUrl": None},
            )
        )

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return _page(
            get_redoc_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{STATIC_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{STATIC_URL}/favicon.png",
                with_google_fonts=False,
            )
        )
