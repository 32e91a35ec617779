"""The local scripts' notion of an external server (deploy/local/lib.sh)."""

from __future__ import annotations

import os
import subprocess

import pytest

from enforcement_common.testing.infra import repo_root

pytestmark = pytest.mark.unit


def _external_kafka(bootstrap: str | None) -> bool:
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "TEST_KAFKA_PORT")}
    env["INSTANCE"] = "test"
    if bootstrap is not None:
        env["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
    lib = repo_root() / "deploy" / "local" / "lib.sh"
    done = subprocess.run(
        ["bash", "-c", f'source "{lib}" && if external_kafka; then echo external; else echo ours; fi'],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip() == "external"


def test_a_broker_named_by_the_environment_is_external_but_the_instances_own_is_not() -> None:
    """A shell that ran `eval "$(infra.sh env)"` names the instance's own broker: `infra.sh down`
    from there must still stop it (it was left running before)."""
    assert _external_kafka(None) is False
    assert _external_kafka("127.0.0.1:29192") is False  # INSTANCE=test's own port
    assert _external_kafka("kafka.example:9092") is True
    assert _external_kafka("127.0.0.1:9092") is True
