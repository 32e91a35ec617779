"""The base of every event's ``data`` model and the registry of event types."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

#: Money as a decimal string with two places ("5000.00", CNY), as in CONTRACT.md.
Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["5000.00"]}),
]

#: An amount in an API request or response (CONTRACT.md "format"): serialised as Money,
#: never negative, at most two decimal places.
MoneyAmount = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2),
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["5000.00"]}, mode="serialization"),
]

_REGISTRY: dict[str, type[EventData]] = {}


class EventData(BaseModel):
    """``data`` of one event type. Subclasses set ``type``, ``topic`` and ``subject_field``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    type: ClassVar[str]
    topic: ClassVar[str]
    #: Field whose value is the aggregate id: Kafka key and CloudEvents subject.
    subject_field: ClassVar[str]
    #: Bumped on an incompatible change; a new version gets a new JSON Schema.
    version: ClassVar[int] = 1
    #: Register in the catalogue (False for models defined in tests).
    register: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("register", True) and "type" in cls.__dict__:
            if cls.type in _REGISTRY and _REGISTRY[cls.type] is not cls:
                raise TypeError(f"event type {cls.type} registered twice")
            _REGISTRY[cls.type] = cls

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "type" in cls.__dict__:
            # schema_version is part of the data on the wire, fixed per model.
            field = cls.model_fields.get("schema_version")
            if field is None or field.default != cls.version:
                raise TypeError(f"{cls.__name__} must declare schema_version: Literal[{cls.version}] = {cls.version}")

    def event_subject(self) -> str:
        return str(getattr(self, self.subject_field))

    def event_unit_id(self) -> str | None:
        """The ``unitid`` extension: the unit the event concerns, when the data names one."""
        value = getattr(self, "unit_id", None)
        return str(value) if value is not None else None

    @classmethod
    def dataschema(cls) -> str:
        return f"urn:enforcement:event:{cls.type}:v{cls.version}"

    def to_data(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def registered_event_types() -> dict[str, type[EventData]]:
    return dict(sorted(_REGISTRY.items()))


def event_model_for(event_type: str) -> type[EventData] | None:
    return _REGISTRY.get(event_type)
