"""The API docs in a real browser on a machine without a network: Debian's headless Chromium and
the five services run in a network namespace that has only loopback (``unshare --net``), and
each service's /docs (Swagger UI) and /redoc render every operation of its /openapi.json, with
no request to anywhere but the service itself, no CSP violation and no script error.

Needs /usr/bin/chromium (Debian's ``chromium``; ``make test`` and CI install it through
deploy/local/bootstrap.sh), ``unshare`` (util-linux) and ``ip`` (iproute2). The services run from
their console entry points with their workers off: the docs need no database or broker, and
none is reachable from inside the namespace anyway.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from enforcement_common.topics import SERVICES

DRIVER = Path(__file__).with_name("docs_browser_driver.py")
CHROMIUM = Path("/usr/bin/chromium")
#: Ports inside the namespace (its own loopback: nothing else listens there).
FIRST_PORT = 27801
TIMEOUT = 270  # under pytest-timeout's 300 s; 10 pages that never render take 150 s


def missing_tools() -> list[str]:
    missing = [] if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK) else [f"{CHROMIUM} (Debian: chromium)"]
    missing += [
        f"{tool} (Debian: {package})"
        for tool, package in (("unshare", "util-linux"), ("ip", "iproute2"))
        if shutil.which(tool) is None
    ]
    return missing


@pytest.fixture(scope="module")
def report() -> dict:
    missing = missing_tools()
    if missing:
        pytest.fail(
            "the API docs browser test needs " + ", ".join(missing) + ": run `make test` (its bootstrap installs "
            "them as root) or `apt-get install -y chromium iproute2`",
            pytrace=False,
        )
    bin_dir = Path(sys.executable).parent
    unshare = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "--map-root-user", "--net"]
    command = [*unshare, "--", sys.executable, str(DRIVER), str(bin_dir), str(FIRST_PORT), *SERVICES]
    started = time.monotonic()
    # Own process group: on a time-out the services and the browser go too.
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"the browser run did not finish within {TIMEOUT} s\n{stderr[-3000:]}", pytrace=False)
    if process.returncode != 0 or not stdout.strip():
        pytest.fail(f"the browser run failed (exit code {process.returncode}):\n{stderr[-3000:]}\n{stdout[-3000:]}")
    result = json.loads(stdout)
    result["seconds"] = round(time.monotonic() - started, 1)
    print(f"browser run: {result['seconds']} s for {len(SERVICES)} services")
    return result


def test_the_browser_has_no_network_but_loopback(report: dict) -> None:
    links = report["network"]["links"].strip().splitlines()
    assert len(links) == 1 and ": lo:" in links[0], links
    routes = report["network"]["routes"].strip().splitlines()
    assert routes and all(" dev lo " in route and route.startswith(("local ", "broadcast ")) for route in routes), (
        routes
    )


def logs_of(report: dict, service: str) -> str:
    """The service's log and Chromium's, without Chromium's complaints about the missing D-Bus."""
    logs = {name: text for name, text in report["logs"].items() if name.startswith((service, "chromium"))}
    return "\n".join(
        f"--- {name}\n" + "\n".join(line for line in text.splitlines() if "dbus" not in line)
        for name, text in logs.items()
    )


def diagnosis(report: dict, service: str, page: str) -> str:
    result = report["services"].get(service)
    if result is None:
        return f"{service} was not visited\n{logs_of(report, service)}"
    seen = result[page]
    fields = ("requested", "failed", "console_errors", "exceptions", "csp_violations")
    return "\n".join([f"{seen['url']} after {seen['seconds']} s:"] + [f"  {key}: {seen[key]}" for key in fields])


@pytest.mark.parametrize("service", SERVICES)
def test_swagger_ui_lists_every_operation(report: dict, service: str) -> None:
    assert service in report["services"], diagnosis(report, service, "docs")
    result = report["services"][service]
    page = result["docs"]
    expected = sorted([method, path] for method, path, _ in result["operations"])
    assert {"/healthz", "/readyz", "/metrics"} <= {path for _, path in expected}
    assert sorted(page["rendered"]) == expected, diagnosis(report, service, "docs")
    assert page["title"].endswith(" - Swagger UI")
    assert_nothing_left_the_service(page, result["base_url"])


@pytest.mark.parametrize("service", SERVICES)
def test_redoc_lists_every_operation(report: dict, service: str) -> None:
    assert service in report["services"], diagnosis(report, service, "redoc")
    result = report["services"][service]
    page = result["redoc"]
    expected = sorted([method.lower(), summary] for method, _, summary in result["operations"])
    assert sorted(page["rendered"]) == expected, diagnosis(report, service, "redoc")
    assert page["title"].endswith(" - ReDoc")
    assert_nothing_left_the_service(page, result["base_url"])


def assert_nothing_left_the_service(page: dict, base_url: str) -> None:
    """Every request the browser made while on the page went to the service (or was a data:/blob: URL
    of the page); none failed, none was refused by the CSP, no script error."""
    origin = base_url + "/"
    off_origin = [
        url for url in page["requested"] if not (url.startswith(origin) or url.startswith(("data:", f"blob:{origin}")))
    ]
    assert not off_origin, off_origin
    assert page["url"] in page["for_this_page"] and origin + "openapi.json" in page["for_this_page"]
    # A request cut short by the next navigation (the icon, at times) is aborted, not failed.
    assert [failure for failure in page["failed"] if failure["error"] != "net::ERR_ABORTED"] == []
    assert page["csp_violations"] == []
    assert page["console_errors"] == []
    assert page["exceptions"] == []
