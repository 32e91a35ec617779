"""The read models from case-service's events (units, officers, cases): every consumed event
type applied twice changes nothing — through the inbox and without it — and applications
and petitions check their officers and cases against them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tolerance_testing import COUNTY, UNIT, auth, case_filed, officer_registered

from enforcement_common.calendar import today
from enforcement_common.contracts.case import (
    CaseClosed,
    CaseStageChanged,
    OfficerQualificationChanged,
    OfficerUpdated,
    UnitUpdated,
)
from enforcement_common.testing.delivery import assert_handler_idempotent_on_state


def _events(officer, case):
    return [
        officer,
        OfficerUpdated(**{**officer.model_dump(), "name": "改名后"}),
        OfficerQualificationChanged.model_validate(
            {
                "officer_id": officer.officer_id,
                "unit_id": officer.unit_id,
                "from": "active",
                "to": "suspended",
                "reason": "REV-8",
                "basis": ["REV-8"],
                "effective_on": today(),
            }
        ),
        case,
        CaseStageChanged.model_validate(
            {"case_id": case.case_id, "unit_id": case.unit_id, "from": "filed", "to": "investigating"}
        ),
        CaseClosed(
            case_id=case.case_id,
            case_no=case.case_no,
            unit_id=case.unit_id,
            category=case.category,
            lead_handler_id=case.lead_handler_id,
            handler_ids=case.handler_ids,
            filed_on=case.filed_on,
            closed_on=today() - timedelta(days=1),
            fine_amount="100.00",
            confiscation_amount=None,
            hearing_held=False,
        ),
        UnitUpdated(unit_id=UNIT, code="T1", name="城关镇（更名）", kind="township", parent_id=COUNTY),
    ]


@pytest.mark.parametrize("index", range(7))
async def test_every_consumed_event_applied_again_without_the_inbox_changes_nothing(app, index) -> None:
    officer = officer_registered(UNIT, "城关执法员")
    case = case_filed(UNIT, officer.officer_id)
    events = _events(officer, case)
    for earlier in events[:index]:
        await assert_handler_idempotent_on_state(app, earlier)
    await assert_handler_idempotent_on_state(app, events[index])


async def test_an_officer_known_only_after_its_event_can_be_named(app, client, deliver) -> None:
    officer = officer_registered(UNIT, "新执法员")
    body = {
        "unit_id": str(UNIT),
        "officer_ids": [str(officer.officer_id)],
        "case_id": None,
        "initiated_by": "unit",
        "incident_on": today().isoformat(),
        "description": "测试",
        "loss_level": "none",
        "grounds": {"due_diligence": ["DD1"], "tolerance": [], "mitigation": []},
    }
    headers = auth("legal_affairs")
    assert (await client.post("/api/v1/applications", json=body, headers=headers)).status_code == 404
    assert await deliver(officer, times=2) == [True, False]  # the redelivery is skipped by the inbox
    assert (await client.post("/api/v1/applications", json=body, headers=headers)).status_code == 201
    unknown_case = {**body, "case_id": str(uuid.uuid4())}
    assert (await client.post("/api/v1/applications", json=unknown_case, headers=headers)).status_code == 404
