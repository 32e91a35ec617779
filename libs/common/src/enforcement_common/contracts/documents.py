"""JSON Schemas and the AsyncAPI document, generated from the event models.

``python -m enforcement_common.contracts.documents write`` regenerates
``libs/common/schemas/`` (``make schemas``); ``check`` exits 1 when the committed
files differ from what the models produce (a test runs it too).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from enforcement_common.contracts import EventData, registered_event_types
from enforcement_common.topics import EVENT_TOPICS

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas"
JSON_SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def event_schema(model: type[EventData]) -> dict[str, Any]:
    """Schema of the whole CloudEvent of one type: envelope attributes plus the model's data."""
    data_schema = model.model_json_schema(by_alias=True, mode="serialization")
    defs = data_schema.pop("$defs", {})
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DRAFT,
        "$id": model.dataschema(),
        "title": model.type,
        "description": (model.__doc__ or model.type).strip(),
        "type": "object",
        "required": ["specversion", "id", "source", "type", "time", "subject", "dataschema", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "format": "uuid"},
            "source": {"type": "string", "minLength": 1},
            "type": {"const": model.type},
            "time": {"type": "string", "format": "date-time"},
            "subject": {"type": "string", "minLength": 1, "description": f"the aggregate id ({model.subject_field})"},
            "datacontenttype": {"const": "application/json"},
            "dataschema": {"const": model.dataschema()},
            "unitid": {"type": "string"},
            "correlationid": {"type": "string"},
            "causationid": {"type": "string"},
            "data": data_schema,
        },
        "additionalProperties": False,
        "x-kafka": {"topic": model.topic, "key": model.subject_field, "headers": ["ce_type", "ce_id"]},
    }
    if defs:
        # Pydantic's '#/$defs/X' references resolve against the document root: keep the defs there.
        schema["$defs"] = defs
    return schema


def schema_file(model: type[EventData]) -> str:
    return f"events/{model.type}.v{model.version}.json"


def asyncapi_document() -> dict[str, Any]:
    models = registered_event_types().values()
    channels: dict[str, Any] = {}
    for topic in EVENT_TOPICS:
        of_topic = [m for m in models if m.topic == topic.name]
        channels[topic.name] = {
            "description": f"Owned by {topic.owner}; Kafka key = aggregate id; {topic.partitions} partitions.",
            "subscribe": {
                "operationId": f"consume_{topic.name.replace('.', '_')}",
                "message": {"oneOf": [{"$ref": f"#/components/messages/{m.type}"} for m in of_topic]},
            },
        }
    messages = {
        m.type: {
            "name": m.type,
            "title": m.__name__,
            "summary": (m.__doc__ or m.type).strip(),
            "contentType": "application/cloudevents+json",
            "headers": {
                "type": "object",
                "properties": {"ce_type": {"const": m.type}, "ce_id": {"type": "string", "format": "uuid"}},
            },
            "payload": {"$ref": f"./{schema_file(m)}"},
        }
        for m in models
    }
    return {
        "asyncapi": "2.6.0",
        "info": {
            "title": "Enforcement supervision platform — events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 structured JSON on Kafka. Dead letters: <service>.dlq, original record plus dlq_* headers.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "components": {"messages": messages},
    }


def documents() -> dict[str, str]:
    files = {
        schema_file(model): json.dumps(event_schema(model), ensure_ascii=False, indent=2) + "\n"
        for model in registered_event_types().values()
    }
    files["asyncapi.json"] = json.dumps(asyncapi_document(), ensure_ascii=False, indent=2) + "\n"
    return files


def stale_files(root: Path = SCHEMA_DIR) -> list[str]:
    expected = documents()
    stale = [
        name for name, content in expected.items() if not (root / name).exists() or (root / name).read_text() != content
    ]
    present = {str(p.relative_to(root)) for p in root.rglob("*.json")} if root.exists() else set()
    return sorted(stale + list(present - set(expected)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m enforcement_common.contracts.documents")
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args(argv)
    if args.command == "check":
        stale = stale_files()
        if stale:
            print("stale event documents (run `make schemas`): " + ", ".join(stale), file=sys.stderr)
            return 1
        return 0
    for path in SCHEMA_DIR.rglob("*.json"):
        path.unlink()
    for name, content in documents().items():
        target = SCHEMA_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    print(f"wrote {len(documents())} files under {SCHEMA_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
