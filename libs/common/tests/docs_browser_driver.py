"""Run inside a network namespace that has only loopback (``unshare --net``), by
test_docs_browser.py: bring ``lo`` up, start the services (their console entry points, workers
off, no database needed for the docs), open each one's ``/docs`` and ``/redoc`` in Debian's
headless Chromium driven over the DevTools protocol, and print one JSON report on stdout:

* ``network``: the interfaces and routes of the namespace (only ``lo``, no route off the machine);
* per page: every URL the browser requested, failed loads, console errors, CSP violations and
  uncaught exceptions, and what the page rendered — for Swagger UI the method and path of each
  operation block (``.opblock``), for ReDoc the operations of its menu — beside the operations
  of the service's ``/openapi.json``.

Usage: python docs_browser_driver.py <bin dir> <first port> <service> [<service> …]
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from websockets.sync.client import ClientConnection, connect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "--window-size=1280,1024",
]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
RENDER_TIMEOUT = 15.0  # rendering takes 1-3 s here; a page that never renders costs this much

# What the pages rendered, read from the DOM.
SWAGGER_OPERATIONS = """JSON.stringify(Array.from(document.querySelectorAll('#swagger-ui .opblock')).map(b => [
  (b.querySelector('.opblock-summary-method') || {}).textContent || '',
  ((b.querySelector('.opblock-summary-path') || {}).dataset || {}).path || '']))"""
REDOC_OPERATIONS = """JSON.stringify(Array.from(document.querySelectorAll('[role=menuitem] span[type]')).map(e => [
  e.getAttribute('type') || '', ((e.nextElementSibling || {}).textContent || '').trim()]))"""


def get(url: str, timeout: float = 5) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            get(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout} s") from None
            time.sleep(0.2)


class DevTools:
    """One page target of the browser, over its WebSocket; collects the events it is sent."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params: object) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=30))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def drain(self) -> None:
        while True:
            try:
                message = json.loads(self.ws.recv(timeout=0.05))
            except TimeoutError:
                return
            if "method" in message:
                self.events.append(message)

    def wait_for_network_idle(self, quiet: float = 0.5, timeout: float = 3.0) -> None:
        """Until no HTTP request is in flight and no event came for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = len(self.events)
            time.sleep(quiet)
            self.drain()
            started = {  # data: and blob: URLs do not always report their end
                e["params"]["requestId"]
                for e in self.events
                if e["method"] == "Network.requestWillBeSent" and e["params"]["request"]["url"].startswith("http")
            }
            ended = {
                e["params"]["requestId"]
                for e in self.events
                if e["method"] in ("Network.loadingFinished", "Network.loadingFailed")
            }
            if len(self.events) == seen and started <= ended:
                return

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")


def visit(devtools: DevTools, url: str, expression: str, expected: int) -> dict:
    """Open ``url``; wait until the page shows ``expected`` operations (or the time-out)."""
    devtools.events.clear()
    devtools.call("Page.navigate", url=url)
    started = time.monotonic()
    rendered: list = []
    while time.monotonic() - started < RENDER_TIMEOUT:
        rendered = json.loads(devtools.evaluate(expression) or "[]")
        if len(rendered) >= expected:
            break
        time.sleep(0.25)
    devtools.wait_for_network_idle()  # late requests (the icon) finish before the next page
    events = devtools.events
    # All requests seen while on this page: a late one of the page before (its icon) counts too.
    sent = [e["params"] for e in events if e["method"] == "Network.requestWillBeSent"]
    requested = [request["request"]["url"] for request in sent]
    for_this_page = [request["request"]["url"] for request in sent if request.get("documentURL") == url]
    failed = [
        {
            "url": next(
                (
                    r["params"]["request"]["url"]
                    for r in events
                    if r["method"] == "Network.requestWillBeSent"
                    and r["params"]["requestId"] == e["params"]["requestId"]
                ),
                "?",
            ),
            "error": e["params"].get("errorText"),
            "blocked": e["params"].get("blockedReason"),
        }
        for e in events
        if e["method"] == "Network.loadingFailed"
    ]
    console = [
        e["params"]["entry"]["text"]
        for e in events
        if e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"
    ] + [
        " ".join(str(a.get("value", a.get("description", ""))) for a in e["params"]["args"])
        for e in events
        if e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] == "error"
    ]
    exceptions = [
        e["params"]["exceptionDetails"].get("exception", {}).get("description")
        or e["params"]["exceptionDetails"]["text"]
        for e in events
        if e["method"] == "Runtime.exceptionThrown"
    ]
    csp = [e for e in events if e["method"] == "Audits.issueAdded" and "contentSecurityPolicy" in json.dumps(e)]
    return {
        "url": url,
        "seconds": round(time.monotonic() - started, 2),
        "rendered": rendered,
        "requested": requested,
        "for_this_page": for_this_page,
        "failed": failed,
        "console_errors": console,
        "exceptions": exceptions,
        "csp_violations": [json.dumps(e["params"])[:500] for e in csp],
        "title": devtools.evaluate("document.title"),
    }


def operations(spec: dict) -> list[list[str]]:
    """``[METHOD, path, summary]`` of every operation of an OpenAPI document."""
    return sorted(
        [method.upper(), path, operation.get("summary") or operation.get("operationId") or path]
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    )


def start_chromium(profile: Path, log: IO[bytes]) -> tuple[subprocess.Popen, int]:
    chromium = subprocess.Popen(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    active = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 60
    while not (active.exists() and active.read_text().count("\n") >= 1):
        if chromium.poll() is not None or time.monotonic() > deadline:
            chromium.kill()
            raise RuntimeError(f"Chromium did not open its DevTools port (exit code {chromium.poll()})")
        time.sleep(0.1)
    return chromium, int(active.read_text().splitlines()[0])


def network_of_this_namespace() -> dict[str, str]:
    def ip(*args: str) -> str:
        return subprocess.run(["ip", *args], check=True, capture_output=True, text=True).stdout

    return {
        "links": ip("-o", "link", "show"),
        "routes": ip("-4", "route", "show", "table", "all") + ip("-6", "route", "show", "table", "all"),
    }


def main() -> int:
    bin_dir, first_port, services = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    report: dict = {"network": network_of_this_namespace(), "services": {}}
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="docs-browser-") as tmp, ExitStack() as logs:
        scratch = Path(tmp)
        try:
            ports = {service: first_port + index for index, service in enumerate(services)}
            for service, port in ports.items():
                prefix = service.removesuffix("-service").upper()
                env = {**os.environ, f"{prefix}_RUN_WORKERS": "false", "ENFORCEMENT_ENV": "local"}
                log = logs.enter_context(open(scratch / f"{service}.log", "wb"))
                command = [str(bin_dir / service), "serve", "--host", "127.0.0.1", "--port", str(port)]
                processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
            chromium, devtools_port = start_chromium(
                scratch / "chromium-profile", logs.enter_context(open(scratch / "chromium.log", "wb"))
            )
            processes.append(chromium)
            targets = json.loads(get(f"http://127.0.0.1:{devtools_port}/json/list"))
            page = next(t for t in targets if t["type"] == "page")
            with connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as ws:
                devtools = DevTools(ws)
                for domain in ("Page", "Network", "Runtime", "Log", "Audits"):
                    devtools.call(f"{domain}.enable")
                devtools.call("Network.setCacheDisabled", cacheDisabled=True)
                for service, port in ports.items():
                    base = f"http://127.0.0.1:{port}"
                    wait_for(f"{base}/healthz", 60)
                    expected = operations(json.loads(get(f"{base}/openapi.json")))
                    report["services"][service] = {
                        "base_url": base,
                        "operations": expected,
                        "docs": visit(devtools, f"{base}/docs", SWAGGER_OPERATIONS, len(expected)),
                        "redoc": visit(devtools, f"{base}/redoc", REDOC_OPERATIONS, len(expected)),
                    }
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            logs.close()
            report["logs"] = {path.name: path.read_text(errors="replace")[-3000:] for path in scratch.glob("*.log")}
            print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
