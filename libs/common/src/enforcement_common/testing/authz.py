"""The authorization matrix: every operation of a service's OpenAPI × every role, called by a
caller of one unit on the objects of its *sibling* unit (ARCHITECTURE.md, "Data scope":
a caller sees its own unit and the units below it; an object outside answers 404, never
403 with data).

Generic: the operations come from the OpenAPI document; the objects from the service's
seed (:class:`enforcement_common.testing.kit.Seeded`), which names an id of each unit per
parameter name. For a caller of the home unit with a unit-scoped role:

* an operation with path parameters, called with the sibling's ids, must be refused —
  401, 403 (the role may not), 404 (outside scope), 405, or 422 (the request itself is
  invalid). Never a 2xx, and never 409, 412 or 428: those answer about the object's state
  and so tell that it exists;
* an operation without path parameters is called with the sibling's ids wherever a query
  parameter or body property has their name (``unit_id=…``); a list may answer 2xx, but
  a write must not answer 2xx with the sibling unit in it (it wrote there);
* no answer may contain the sibling's data (its ``markers``: ids, numbers, names) that the
  caller did not send itself, whatever its status; and no answer is a 5xx.

County-wide roles (``justice_bureau``, ``admin``) do see the sibling unit: for them the
matrix only requires no 5xx and that every object read by its path answers (not 404) —
which also proves the seed's ids are real, so that the 404s above mean "outside scope".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from enforcement_common.auth.jwt import COUNTY_ROLES
from enforcement_common.auth.tokens import ROLES
from enforcement_common.testing.kit import Seeded, ServiceTestKit
from enforcement_common.testing.openapi import Operation, example, operations, sent_text, substitute

#: How an object outside the caller's scope may be refused.
REFUSALS = frozenset({401, 403, 404, 405, 422})
#: Answers about an object's state: for an object outside scope they reveal that it exists.
REVEALING = frozenset({409, 412, 428})

#: Operations that are service-wide *by design* for some roles, with the reason: for those
#: roles the matrix checks everything but the sibling's data in a 2xx answer.
_EVERY_ROLE = frozenset(ROLES)
SERVICE_WIDE_BY_DESIGN: dict[str, tuple[frozenset[str], str]] = {
    "GET /api/v1/policies": (
        _EVERY_ROLE,
        "policy versions are the published rules of the issuing units (CONTRACT.md policies): every caller reads them",
    ),
    "GET /api/v1/policies/{policy_id}": (_EVERY_ROLE, "as GET /api/v1/policies"),
    "GET /api/v1/calendar/{year}": (_EVERY_ROLE, "the State Council's holiday schedule is one for the whole platform"),
    "GET /api/v1/admin/rebuild/{rebuild_id}": (
        frozenset({"auditor"}),
        "stats-service's projection is rebuilt whole (one rebuild for every unit): its progress is the "
        "service's, read by auditors as by operators",
    ),
    "GET /api/v1/audit": (
        frozenset({"auditor"}),
        "the audit log is one hash chain per service, read whole by auditors, anonymous and admin "
        "entries included (libs/common/tests/api/test_audit.py)",
    ),
}


@dataclass
class Call:
    operation: Operation
    status: int
    path: str
    finding: str | None = None

    def __str__(self) -> str:
        return f"{self.operation.key} → {self.status} ({self.path}): {self.finding}"


def _request(operation: Operation, spec: dict[str, Any], seeded: Seeded, ids: dict[str, str], *, filters: bool):
    missing = [name for name in operation.path_params if name not in ids]
    if missing:
        raise LookupError(
            f"the seed names no id for path parameter(s) {', '.join(missing)} of {operation.key}: "
            "add them to Seeded.ids of both units"
        )
    path = operation.path.format(**{name: ids[name] for name in operation.path_params})
    query = {}
    for name, parameter in operation.query_params.items():
        if filters and name in ids:
            query[name] = ids[name]
        elif parameter["required"]:
            query[name] = example(parameter["schema"], spec)
    body = None
    if operation.body_schema is not None:
        base = seeded.bodies.get(operation.key)
        if base is None:
            base = example(operation.body_schema, spec, include=frozenset(ids))
        body = substitute(base, ids)
    return path, query, body


async def call_as(
    client: httpx.AsyncClient,
    operation: Operation,
    spec: dict[str, Any],
    seeded: Seeded,
    ids: dict[str, str],
    headers: dict[str, str],
    *,
    filters: bool = True,
) -> tuple[httpx.Response, str, str]:
    """Call ``operation`` with ``ids`` in its path, query and body; (response, path, what was sent)."""
    path, query, body = _request(operation, spec, seeded, ids, filters=filters)
    request_headers = dict(headers)
    if operation.path_params and operation.method != "GET":
        request_headers["If-Match"] = '"1"'  # a precondition never hides the scope check
    response = await client.request(
        operation.method, path, params=query, headers=request_headers, **({"json": body} if body is not None else {})
    )
    return response, path, sent_text(path, query, body)


def _leaks(response: httpx.Response, markers: set[str], sent: str) -> list[str]:
    return sorted(marker for marker in markers if marker in response.text and marker not in sent)


async def authorization_matrix(
    kit: ServiceTestKit,
    app: FastAPI,
    client: httpx.AsyncClient,
    seeded: Seeded,
    role: str,
    service_wide: dict[str, tuple[frozenset[str], str]] = SERVICE_WIDE_BY_DESIGN,
) -> list[Call]:
    """Every operation called by a ``role`` of the home unit on the sibling unit's objects;
    the calls, each with its finding (None when as it must be). ``service_wide`` names the
    operations that by design show a role the whole service (see SERVICE_WIDE_BY_DESIGN)."""
    spec = app.openapi()
    home, sibling = seeded.units["home"], seeded.units["sibling"]
    foreign = seeded.ids["sibling"]
    markers = seeded.markers["sibling"]
    caller = kit.headers(role, unit=home, officer=seeded.officers.get("home"))
    county_wide = role in COUNTY_ROLES
    calls: list[Call] = []
    for operation in operations(spec):
        if not operation.secured:
            continue  # the ops endpoints: no token, no unit data
        for filters in (True, False) if operation.method == "GET" and not operation.path_params else (True,):
            response, path, sent = await call_as(client, operation, spec, seeded, foreign, caller, filters=filters)
            status = response.status_code
            call = Call(operation, status, path)
            calls.append(call)
            if status >= 500:
                call.finding = f"server error: {response.text[:300]}"
            elif county_wide:
                if operation.path_params and operation.method == "GET" and status == 404:
                    call.finding = "a county-wide caller cannot read the sibling's object: is the seed's id real?"
            elif role in service_wide.get(operation.key, (frozenset(), ""))[0] and 200 <= status < 300:
                pass  # service-wide by design for this role
            elif leaked := _leaks(response, markers, sent):
                call.finding = f"answer carries the sibling unit's data {leaked}: {response.text[:300]}"
            elif operation.path_params:
                if 200 <= status < 300:
                    call.finding = "a 2xx for an object of the sibling unit"
                elif status in REVEALING:
                    call.finding = f"{status} for an object outside scope tells that it exists (must be 404)"
                elif status not in REFUSALS:
                    call.finding = f"unexpected status for an object outside scope: {response.text[:300]}"
            elif 200 <= status < 300 and operation.method != "GET" and sibling in response.text:
                call.finding = f"a write naming the sibling unit succeeded: {response.text[:300]}"
    return calls


async def readable_in_scope(
    kit: ServiceTestKit, client: httpx.AsyncClient, spec: dict[str, Any], seeded: Seeded
) -> list[Call]:
    """Every object a GET names by its path, read by a caller of its own unit with every role
    at once, and by ``admin``: each must answer 200 (the seed's ids are real and in scope)."""
    calls = []
    for label, ids in seeded.ids.items():
        own = kit.headers(
            "officer",
            "legal_affairs",
            "unit_leader",
            "auditor",
            unit=seeded.units[label],
            officer=seeded.officers.get(label),
        )
        for operation in operations(spec):
            if operation.method != "GET" or not operation.path_params:
                continue
            for who, headers in ((label, own), ("admin", kit.headers("admin"))):
                response, path, _ = await call_as(client, operation, spec, seeded, ids, headers)
                call = Call(operation, response.status_code, path)
                if response.status_code != 200:
                    call.finding = f"{who} cannot read {label}'s object: {response.text[:300]}"
                calls.append(call)
    return calls
