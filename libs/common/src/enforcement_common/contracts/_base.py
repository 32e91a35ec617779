"""The base of every event's ``data`` model and the registry of event types."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from enforcement_common.calendar import today

#: Money as a decimal string with two places ("5000.00", CNY), as in CONTRACT.md.
Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["5000.00"]}),
]

_MONEY_TEXT = re.compile(r"(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?")


def _money_input(value: Any) -> Any:
    """Only a plain decimal: ASCII digits, no sign, no exponent, no ``_`` separators, no
    full-width digits, at most two places ("5000", "1200.5", "0.00"). Python's ``Decimal``
    would take all of those; a ledger must not."""
    if isinstance(value, Decimal) or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    if isinstance(value, str) and _MONEY_TEXT.fullmatch(value):
        return value
    raise PydanticCustomError(
        "money_format",
        'an amount in yuan as a decimal string with at most two places, e.g. "5000.00"',
    )


#: An amount in an API request or response (CONTRACT.md "format"): serialised as Money,
#: never negative, at most two decimal places; as input only the canonical decimal text.
MoneyAmount = Annotated[
    Decimal,
    BeforeValidator(_money_input),
    Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2),
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["5000.00"]}, mode="serialization"),
]

#: No enforcement record of this platform predates it (行政处罚法 1996, 行政许可法 2004):
#: an earlier date is a typo (0001-01-01, "0"), not a fact.
EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2099, 12, 31)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_input(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` text (pydantic alone also takes numbers and "0" as Unix times)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "a date as YYYY-MM-DD")


def _plausible(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise PydanticCustomError(
            "date_out_of_range",
            "a date between {earliest} and {latest}",
            {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )
    return value


def _not_future(value: date) -> date:
    if value > today():
        raise PydanticCustomError(
            "date_in_future",
            "the date of a fact that has happened: not after today ({today}, Asia/Shanghai)",
            {"today": today().isoformat()},
        )
    return value


#: A date in a request: ``YYYY-MM-DD``, 1990-01-01 … 2099-12-31 (due dates, expiry dates,
#: periods, effective dates).
BoundedDate = Annotated[
    date,
    BeforeValidator(_iso_date_input),
    AfterValidator(_plausible),
    Field(json_schema_extra={"x-earliest": EARLIEST_DATE.isoformat(), "x-latest": LATEST_DATE.isoformat()}),
]

#: The date of a fact that has happened (filed, decided, served, held, submitted …):
#: a BoundedDate that is not after today in Asia/Shanghai.
PastDate = Annotated[
    date,
    BeforeValidator(_iso_date_input),
    AfterValidator(_plausible),
    AfterValidator(_not_future),
    Field(json_schema_extra={"x-earliest": EARLIEST_DATE.isoformat(), "x-latest": "today (Asia/Shanghai)"}),
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
