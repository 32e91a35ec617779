"""Smoke test of `make run` as a newcomer uses it: start it, wait until all five
services are ready, look at each one's docs, get a token, press Ctrl-C (SIGINT to
the process group, as a terminal does) and check that nothing is left running.

Run by .ci/run after `make test`; uses the dev instance's ports (8001-8005).
Exit code 0 on success.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTS = {
    "case-service": 8001,
    "tolerance-service": 8002,
    "review-service": 8003,
    "accountability-service": 8004,
    "stats-service": 8005,
}


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def start_in_own_terminal_like_group() -> subprocess.Popen:
    def child() -> None:
        os.setsid()
        # A shell started in the background ignores SIGINT; a terminal's does not.
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    return subprocess.Popen(
        ["make", "run"], cwd=ROOT, preexec_fn=child, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def main() -> int:
    started = time.monotonic()
    process = start_in_own_terminal_like_group()
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if all(get(f"http://127.0.0.1:{port}/readyz")[0] == 200 for port in PORTS.values()):
                break
            if process.poll() is not None:
                print(process.stdout.read(), file=sys.stderr)
                print("make run exited before the services were ready", file=sys.stderr)
                return 1
            time.sleep(1)
        else:
            print("services not ready within 300 s", file=sys.stderr)
            return 1
        print(f"all five services ready after {time.monotonic() - started:.1f} s")
        for name, port in PORTS.items():
            status, body = get(f"http://127.0.0.1:{port}/openapi.json")
            assert status == 200 and b'"openapi"' in body, name
            assert get(f"http://127.0.0.1:{port}/docs")[0] == 200, name
            assert b"http_requests_total" in get(f"http://127.0.0.1:{port}/metrics")[1], name
        token = subprocess.run(
            ["make", "-s", "token", "ROLE=admin"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.strip()
        assert token.count(".") == 2, token
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                print("make run did not stop within 90 s of Ctrl-C", file=sys.stderr)
                return 1
        output = process.stdout.read()
    print(output[-1500:])
    if "stopping services" not in output or "stopping PostgreSQL" not in output:
        print("make run did not stop its services and infrastructure on Ctrl-C", file=sys.stderr)
        return 1
    clean = subprocess.run([str(ROOT / "deploy/local/infra.sh"), "check-clean"], env={**os.environ, "INSTANCE": "dev"})
    if clean.returncode != 0:
        return 1
    print(f"make run smoke test passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
