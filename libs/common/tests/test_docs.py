"""/docs and /redoc served from packaged copies: every URL the pages reference is same-origin and
answers with the right content type; nothing needs a database, a token or the internet."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import ClassVar
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from pydantic_settings import SettingsConfigDict

from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.app import create_service_app
from enforcement_common.config import BaseServiceSettings
from enforcement_common.docs import ASSETS, DOCS_CSP, REDOCLY_LOGO, STATIC_URL, mount_docs

CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}


class DocsSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DOCS_EXAMPLE_", extra="ignore")
    service_name: ClassVar[str] = "docs-example-service"


router = ServiceRouter(tags=["notes"])


@router.get("/notes", summary="List the notes")
async def list_notes() -> list[str]:
    return []


def example_app() -> FastAPI:
    # Workers off and a database that is never reached: the docs need neither.
    settings = DocsSettings(database_url="postgresql://nobody@127.0.0.1:9/none", run_workers=False)
    return create_service_app(settings, title="Docs example", description="example", routers=[router])


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = example_app()
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://docs.test") as client:
            yield client


class References(HTMLParser):
    """Every URL-valued attribute of a page (src, href, spec-url …)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if value and (name in ("src", "href") or name.endswith("-url"))]


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    # Swagger UI is started by an inline script: `url: '/openapi.json'`.
    return parser.urls + re.findall(r"\burl: '([^']*)'", html)


def assert_same_origin(urls: list[str], prefix: str = "") -> None:
    assert urls
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url} leaves the origin"
        assert url.startswith(f"{prefix}/") and not url.startswith("//"), url


async def assert_served(client: httpx.AsyncClient, urls: list[str]) -> None:
    for url in urls:
        response = await client.get(url)
        assert response.status_code == 200, url
        media_type = response.headers["content-type"].split(";")[0]
        suffix = "." + url.rsplit(".", 1)[-1]
        assert media_type in CONTENT_TYPES[suffix], f"{url}: {media_type}"
        assert response.content


@pytest.mark.parametrize(("page", "expected"), [("/docs", 4), ("/redoc", 3)])
async def test_page_references_only_same_origin_urls_that_are_served(
    client: httpx.AsyncClient, page: str, expected: int
) -> None:
    response = await client.get(page)  # no token: the docs stay public, outside /api/v1
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "http://" not in response.text and "https://" not in response.text
    urls = references(response.text)
    assert len(urls) == expected, urls  # css, favicon, bundle and spec; ReDoc has no stylesheet
    assert_same_origin(urls)
    assert "/openapi.json" in urls
    assert {url.rsplit("/", 1)[-1] for url in urls if url.startswith(STATIC_URL)} <= set(ASSETS)
    await assert_served(client, urls)


async def test_every_packaged_asset_is_served(client: httpx.AsyncClient) -> None:
    await assert_served(client, [f"{STATIC_URL}/{name}" for name in ASSETS])
    assert (await client.get(f"{STATIC_URL}/nothing.js")).status_code == 404


async def test_swagger_ui_does_not_ask_the_online_validator(client: httpx.AsyncClient) -> None:
    assert '"validatorUrl": null' in (await client.get("/docs")).text


async def test_redoc_bundle_does_not_load_its_logo_from_the_cdn(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{STATIC_URL}/redoc.standalone.js")
    assert REDOCLY_LOGO.strip(b'"').decode() not in response.text and "cdn.redoc.ly" not in response.text
    assert "Redoc" in response.text
    again = await client.get(f"{STATIC_URL}/redoc.standalone.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


async def test_pages_carry_a_same_origin_content_security_policy(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        policy = (await client.get(page)).headers["content-security-policy"]
        assert policy == DOCS_CSP
        directives = dict(d.split(" ", 1) for d in policy.split("; "))
        assert directives["default-src"] == "'self'" and directives["connect-src"] == "'self'"
        assert "http" not in policy and "*" not in policy


async def test_openapi_document_is_unchanged_and_lists_no_docs_route(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert "/api/v1/notes" in paths and {"/healthz", "/readyz", "/metrics"} <= paths
    assert not any(path.startswith(("/docs", "/redoc")) for path in paths)


async def test_behind_a_proxy_prefix_the_urls_follow_the_root_path() -> None:
    app = example_app()
    transport = httpx.ASGITransport(app=app, root_path="/case")
    async with httpx.AsyncClient(transport=transport, base_url="http://docs.test") as client:
        for page in ("/case/docs", "/case/redoc"):
            urls = references((await client.get(page)).text)
            assert_same_origin(urls, prefix="/case")
            await assert_served(client, urls)


def test_mount_docs_refuses_an_app_that_still_has_fastapis_cdn_pages() -> None:
    with pytest.raises(ValueError, match="docs_url=None"):
        mount_docs(FastAPI())
