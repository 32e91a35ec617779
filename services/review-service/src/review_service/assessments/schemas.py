"""API models of /assessments (REV-8)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from review_service import rules


class AssessmentRead(BaseModel):
    officer_id: uuid.UUID
    year: int
    unit_id: uuid.UUID
    lead_cases: int
    unqualified_count: int
    consequence: rules.Consequence
    announced: list[rules.Consequence] = Field(
        default_factory=list,
        description="the consequences announced so far this year (review.officer_sanctioned), in order; "
        "a suspension announced stands until reinstatement even if the consequence is now manual_review",
    )
    withdrawn: list[rules.Consequence] = Field(
        default_factory=list,
        description="levels withdrawn (review.officer_sanction_withdrawn) because the count no longer reaches "
        "them — a file voided under REV-12 — in order",
    )
    basis: list[str] = ["REV-8"]
    policy_id: uuid.UUID | None = Field(
        default=None, description="the policy version (GET /policies/{id}) whose values made this determination"
    )
