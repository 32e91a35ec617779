"""The deployment files, checked offline: the Kubernetes manifests against the API
schemas of one Kubernetes version (kubernetes-validate, pinned in the dev group, ships
them), and both the manifests and deploy/compose.yaml against the repository: every
command they run exists and parses, every image and build names a service, every
database a service migrates is created."""

from __future__ import annotations

import importlib
import importlib.util
import re
import tomllib
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from enforcement_common.cli import command_line
from enforcement_common.testing.infra import repo_root

#: The Kubernetes version the manifests are validated for.
KUBERNETES_VERSION = "1.31.0"

ROOT = repo_root()
DEPLOY = ROOT / "deploy"
SERVICES = ("case-service", "tolerance-service", "review-service", "accountability-service", "stats-service")
#: The Dockerfile's runtime user, which the manifests' securityContext names.
IMAGE_UID = int(re.search(r"^USER (\d+)$", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE).group(1))


def project(service: str) -> dict:
    return tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())["project"]


def settings_class(service: str):
    return importlib.import_module(f"{service.replace('-', '_')}.config").Settings


def check_service_command(service: str, command: list[str]) -> None:
    """``command`` is ``<service> …`` with that service's console script and arguments its CLI accepts."""
    assert command[0] == service and service in project(service)["scripts"], command
    try:
        command_line(settings_class(service)).parse_args(command[1:])
    except SystemExit as refused:
        raise AssertionError(f"{service} refuses the arguments {command[1:]}") from refused


def manifests() -> list[tuple[str, dict]]:
    documents = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        documents += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def test_there_are_manifests_for_every_service() -> None:
    kinds = {(doc["kind"], doc["metadata"]["name"]) for _, doc in manifests()}
    assert {(kind, name) for kind in ("Deployment", "Service") for name in SERVICES} <= kinds


@pytest.mark.parametrize(
    "document", [pytest.param(doc, id=f"{file}:{doc['kind']}/{doc['metadata']['name']}") for file, doc in manifests()]
)
def test_manifest_is_valid_for_the_kubernetes_version(document: dict) -> None:
    # strict: a misspelt or misplaced field fails instead of being ignored by the cluster.
    # Raises ValidationError, or SchemaNotFoundError for a kind/apiVersion that version lacks.
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_migrates_then_serves_the_packaged_service(service: str) -> None:
    (deployment,) = [d for _, d in manifests() if d["kind"] == "Deployment" and d["metadata"]["name"] == service]
    spec = deployment["spec"]["template"]["spec"]
    assert (
        deployment["spec"]["selector"]["matchLabels"].items()
        <= deployment["spec"]["template"]["metadata"]["labels"].items()
    )
    image = f"enforcement/{service}:{project(service)['version']}"
    (migrate,) = spec["initContainers"]
    (container,) = spec["containers"]
    assert migrate["image"] == container["image"] == image
    assert migrate["command"] == [service, "migrate"]
    check_service_command(service, migrate["command"])
    check_service_command(service, container["command"])
    assert container["command"][1] == "serve" and "--migrate" not in container["command"]
    port = int(container["command"][container["command"].index("--port") + 1])
    assert [p["containerPort"] for p in container["ports"] if p["name"] == "http"] == [port]
    assert spec["securityContext"]["runAsUser"] == IMAGE_UID
    (service_object,) = [d for _, d in manifests() if d["kind"] == "Service" and d["metadata"]["name"] == service]
    assert service_object["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_builds_and_runs_existing_services_and_commands() -> None:
    services = compose()["services"]
    assert set(SERVICES) <= set(services)
    created = set(re.findall(r"CREATE DATABASE (\w+);", (DEPLOY / "compose-initdb.sql").read_text()))
    for name, service in services.items():
        if "build" not in service:
            continue
        build = service["build"]
        assert (DEPLOY / build["context"]).resolve() == ROOT.resolve(), name
        assert (DEPLOY / build["context"] / build["dockerfile"]).is_file(), name
        built = build["args"]["SERVICE"]
        assert built in SERVICES, name
        command = service["command"]
        if name in SERVICES:
            assert built == name
            check_service_command(name, command)
            # Each service migrates its own database, which the init script creates.
            prefix = settings_class(name).model_config["env_prefix"]
            url = service["environment"][f"{prefix}DATABASE_URL"]
            assert url.rsplit("/", 1)[1] in created, url
            port = command[command.index("--port") + 1]
            assert f":{port}/readyz" in " ".join(service["healthcheck"]["test"])
        else:  # a one-off job of the image: `python -m <module> …`
            assert command[:2] == ["python", "-m"], command
            assert importlib.util.find_spec(command[2]) is not None, command


def test_compose_services_wait_for_the_topics() -> None:
    # The broker does not create topics on first use (KAFKA_AUTO_CREATE_TOPICS_ENABLE=false).
    services = compose()["services"]
    for name in SERVICES:
        assert services[name]["depends_on"]["topics"] == {"condition": "service_completed_successfully"}, name


def test_the_image_carries_no_migrations_beside_the_package() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "--no-editable" in dockerfile
    assert "migrations" not in re.sub(r"#.*", "", dockerfile), "migrations ship inside the service's wheel"
    assert all(not (ROOT / "services" / service / "migrations").exists() for service in SERVICES)
    assert all(Path(ROOT / "services" / s / "src" / s.replace("-", "_") / "alembic.ini").is_file() for s in SERVICES)
