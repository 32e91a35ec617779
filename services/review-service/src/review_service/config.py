"""Settings of review-service, from environment variables prefixed ``REVIEW_``."""

from typing import ClassVar, Literal

from pydantic_settings import SettingsConfigDict

from enforcement_common.config import BaseServiceSettings
from review_service.rules import GradeBands


class Settings(BaseServiceSettings):
    """``REVIEW_DATABASE_URL``, ``REVIEW_PORT`` …; Kafka and the JWT secret may be shared, unprefixed."""

    model_config = SettingsConfigDict(env_prefix="REVIEW_", extra="ignore")

    service_name: ClassVar[str] = "review-service"
    default_port: ClassVar[int] = 8003
    default_database: ClassVar[str] = "review_service"

    #: REV-15 bands (the seed sets none; defaults as in published local review rules).
    grade_excellent_from: int = 90
    grade_qualified_from: int = 60
    #: REV-8 above 10 lead cases (the seed is silent): manual_review, or seed_table to apply 1/2/≥3 anyway.
    above_ten_lead_cases: Literal["manual_review", "seed_table"] = "manual_review"
    obligation_scan_interval_seconds: float = 60.0
    #: REV-9: a half-year summary is overdue this many days after the half year ends.
    summary_due_days: int = 15
    #: First year for which half-year summaries are owed.
    summaries_since_year: int = 2026

    @property
    def grade_bands(self) -> GradeBands:
        return GradeBands(excellent=self.grade_excellent_from, qualified=self.grade_qualified_from)
