"""Reading a service's OpenAPI document for generated tests: its operations, and a small,
valid request body for each (deterministic: the same document gives the same bodies)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from enforcement_common.calendar import today

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # the template, e.g. /api/v1/cases/{case_id}
    path_params: tuple[str, ...]
    query_params: dict[str, dict[str, Any]]  # name -> {"required": bool, "schema": {...}}
    body_schema: dict[str, Any] | None
    responses: frozenset[str]
    secured: bool = field(default=True)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation of ``spec``, in document order."""
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            body = operation.get("requestBody", {}).get("content", {})
            json_body = body.get("application/json") or next(iter(body.values()), None)
            responses = frozenset(operation.get("responses", {}))
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    path_params=tuple(p["name"] for p in parameters if p.get("in") == "path"),
                    query_params={
                        p["name"]: {"required": bool(p.get("required")), "schema": p.get("schema", {})}
                        for p in parameters
                        if p.get("in") == "query"
                    },
                    body_schema=json_body.get("schema") if json_body else None,
                    responses=responses,
                    secured="401" in responses,
                )
            )
    return found


def example(schema: dict[str, Any], spec: dict[str, Any], *, include: frozenset[str] = frozenset()) -> Any:
    """A small instance of ``schema``: its default or first example where it has one, else
    the required properties (plus those named in ``include``), one item per array, today
    for dates, the minimum for numbers, the shortest match of a pattern."""
    return _example(schema, spec, include, depth=0)


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"external $ref {ref} is not supported")
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _example(schema: dict[str, Any], spec: dict[str, Any], include: frozenset[str], depth: int) -> Any:
    schema = _resolve(schema, spec)
    if depth > 12:
        return None
    if "const" in schema:
        return schema["const"]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            part = _resolve(part, spec)
            for key, value in part.items():
                if key == "properties":
                    merged.setdefault("properties", {}).update(value)
                elif key == "required":
                    merged.setdefault("required", []).extend(value)
                else:
                    merged.setdefault(key, value)
        return _example(merged, spec, include, depth + 1)
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            options = [_resolve(option, spec) for option in schema[combinator]]
            chosen = next((o for o in options if o.get("type") != "null"), options[0])
            return _example(chosen, spec, include, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return {
            name: _example(sub, spec, include, depth + 1)
            for name, sub in properties.items()
            if name in required or name in include
        }
    if kind == "array":
        count = max(1, schema.get("minItems", 1))
        if "maxItems" in schema:
            count = min(count, schema["maxItems"])
        return [_example(schema.get("items", {}), spec, include, depth + 1) for _ in range(count)]
    if kind == "integer" or kind == "number":
        value: float = 1
        if "minimum" in schema:
            value = max(value, schema["minimum"]) if schema["minimum"] > 0 else schema["minimum"]
        if "exclusiveMinimum" in schema:
            value = max(value, schema["exclusiveMinimum"] + 1)
        if "maximum" in schema:
            value = min(value, schema["maximum"])
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema)


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.UUID(int=1))
    if fmt == "date":
        return today().isoformat()
    if fmt == "date-time":
        return datetime.now(UTC).isoformat()
    if fmt == "email":
        return "test@example.gov.cn"
    if "pattern" in schema:
        return _shortest_match(schema["pattern"])
    shortest = max(schema.get("minLength", 1), 1)
    size = max(shortest, min(4, schema.get("maxLength", 4)))
    return ("测试数据" * size)[:size]


@cache
def _shortest_match(pattern: str) -> str:
    from hypothesis import find, settings
    from hypothesis import strategies as st

    return find(st.from_regex(pattern, fullmatch=True), lambda _: True, settings=settings(database=None))


def substitute(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with every property named in ``ids`` set to that id (a list to ``[id]``),
    at any depth; a property of ``ids`` missing from an object is not added."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ids:
                out[key] = [ids[key]] if isinstance(item, list) else ids[key]
            else:
                out[key] = substitute(item, ids)
        return out
    if isinstance(value, list):
        return [substitute(item, ids) for item in value]
    return value


def sent_text(path: str, query: dict[str, Any], body: Any) -> str:
    """Everything a request carries, as text (to tell what a response echoes from what it reveals)."""
    return " ".join([path, json.dumps(query, ensure_ascii=False), json.dumps(body, ensure_ascii=False, default=str)])
