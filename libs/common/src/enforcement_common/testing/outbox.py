"""What a service wrote to its outbox, checked against the published event contract."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from typing import Any

import jsonschema
from fastapi import FastAPI
from sqlalchemy import text

from enforcement_common.contracts import event_model_for
from enforcement_common.contracts.documents import SCHEMA_DIR, schema_file


@cache
def published_schema(event_type: str) -> dict[str, Any]:
    """The committed JSON Schema of ``event_type`` (``libs/common/schemas/events/…``)."""
    model = event_model_for(event_type)
    if model is None:
        raise AssertionError(f"{event_type} is not an event type of the contract")
    path = SCHEMA_DIR / schema_file(model)
    if not path.exists():
        raise AssertionError(f"{event_type} has no published schema at {path} (make schemas)")
    return json.loads(path.read_text(encoding="utf-8"))


async def outbox_events(app: FastAPI) -> list[dict[str, Any]]:
    """Every event in the app's outbox (the CloudEvents envelopes), oldest first."""
    async with app.state.sessions() as session:
        rows = await session.execute(text("SELECT event_id, topic, key, event_type, payload FROM outbox ORDER BY id"))
        return [
            {"event_id": str(event_id), "topic": topic, "key": key, "event_type": event_type, "payload": payload}
            for event_id, topic, key, event_type, payload in rows
        ]


async def assert_outbox_matches_schemas(app: FastAPI) -> Counter[str]:
    """Every outbox row's event validates against its published JSON Schema (formats
    checked), is on its type's topic, keyed by its subject, under its own id. Returns the count per type."""
    checker = jsonschema.FormatChecker()
    counts: Counter[str] = Counter()
    for row in await outbox_events(app):
        payload = row["payload"]
        event_type = payload.get("type")
        assert event_type == row["event_type"], f"outbox row says {row['event_type']}, its event {event_type}"
        schema = published_schema(event_type)
        try:
            jsonschema.validate(payload, schema, format_checker=checker)
        except jsonschema.ValidationError as exc:
            raise AssertionError(f"{event_type} does not match its schema: {exc.message} at {list(exc.path)}") from exc
        assert row["topic"] == schema["x-kafka"]["topic"], f"{event_type} on {row['topic']}"
        assert row["event_id"] == payload["id"], (
            f"{event_type}: outbox event_id {row['event_id']}, envelope id {payload['id']}"
        )
        assert row["key"] == payload["subject"], f"{event_type} keyed {row['key']}, subject {payload['subject']}"
        counts[event_type] += 1
    return counts
