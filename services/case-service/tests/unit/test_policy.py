"""case-service's policy values (CASE-9), pure: per-category statutory values where a version
omits them, and the platform's first version left exactly as stored."""

from __future__ import annotations

import json
import uuid
from datetime import date

from case_service.policy import CASE_POLICIES, CasePolicy


def test_case_9_a_version_keeps_the_statutory_values_it_omits() -> None:
    values = CasePolicy.model_validate(
        {"deadlines": {"penalty": {"decision_days": 60}, "license": {"decision_days": 20}, "levy": {"service_days": 5}}}
    )
    assert values.deadline("penalty").decision_days == 60
    assert (values.deadline("penalty").service_days, values.deadline("penalty").service_day_kind) == (7, "working")
    assert values.deadline("license").service_days == 10, "行政许可法 第四十四条 kept"
    assert values.deadline("levy").service_days == 5, "a unit may set a period where no statute does"
    # An explicit null: no period.
    assert (
        CasePolicy.model_validate({"deadlines": {"penalty": {"service_days": None}}}).deadline("penalty").service_days
        is None
    )
    # Categories a version does not name: the statute's.
    assert values.deadline("coercion").service_days is None


def test_case_9_the_platform_versions_first_unchanged_then_the_statutory_service_periods() -> None:
    first, current = CASE_POLICIES.defaults
    # A stored version never changes: deployments hold the first one as it was stored before
    # `backdating_days` (CASE-3) was added to the model (id f58c9cd4…, its content's hash); read
    # back it equals the version in code, so start-up accepts it (store_defaults compares values).
    as_deployed = {k: v for k, v in first.values.model_dump(mode="json").items() if k != "backdating_days"}
    content = json.dumps(as_deployed, sort_keys=True, ensure_ascii=False)
    assert uuid.uuid5(uuid.NAMESPACE_URL, f"policy/case-service/{first.effective_from}/{content}") == uuid.UUID(
        "f58c9cd4-530a-597a-8fd9-069096e48bf1"
    )
    assert CasePolicy.model_validate(as_deployed) == first.values
    assert all(first.values.deadline(c).service_days == 7 for c in first.values.deadlines)
    assert current.effective_from > first.effective_from and current.effective_from == date(2026, 12, 1)
    assert current.values.deadline("penalty").service_days == 7
    assert current.values.deadline("license").service_days == 10
    assert {c for c in current.values.deadlines if current.values.deadline(c).service_days is None} == {
        "coercion",
        "inspection",
        "levy",
        "requisition",
    }
