"""Settings of case-service, from environment variables prefixed ``CASE_``."""

import json
from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from case_service.cases.rules import DEFAULT_DEADLINES, DeadlinePolicy
from enforcement_common.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    """``CASE_DATABASE_URL``, ``CASE_PORT`` …; Kafka and the JWT secret may be shared, unprefixed."""

    model_config = SettingsConfigDict(env_prefix="CASE_", extra="ignore")

    service_name: ClassVar[str] = "case-service"
    default_port: ClassVar[int] = 8001
    default_database: ClassVar[str] = "case_service"

    #: Case number format; {short} = the unit's short name, {year}, {n} = number in the unit's year.
    case_no_format: str = "{short}〔{year}〕{n}号"
    #: Categories needing at least two certified handlers (CASE-9; 行政处罚法 第四十二条).
    two_handler_categories: str = "penalty,coercion"
    #: JSON overrides of the statutory deadlines per category (CASE-9), e.g.
    #: {"penalty": {"decision_days": 90, "decision_day_kind": "calendar", "service_days": 7, "service_day_kind": "working"}}
    deadline_policy_json: str = ""
    #: Seconds between deadline scans.
    deadline_scan_interval_seconds: float = 60.0

    @property
    def two_handler_category_set(self) -> frozenset[str]:
        return frozenset(c.strip() for c in self.two_handler_categories.split(",") if c.strip())

    def deadline_policy(self, category: str) -> DeadlinePolicy:
        overrides = json.loads(self.deadline_policy_json) if self.deadline_policy_json else {}
        if category in overrides:
            return DeadlinePolicy(**{**DEFAULT_DEADLINES[category].__dict__, **overrides[category]})
        return DEFAULT_DEADLINES[category]
