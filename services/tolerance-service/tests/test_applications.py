"""Applications on the real PostgreSQL: filing with the recommendation under the policy in
force on the incident date (TOL-4, TOL-10 … TOL-13), investigation (both recommendations
kept), the decision by the deciding body the policy names (TOL-14), TOL-15 and the
notification duty (TOL-14)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tolerance_testing import COUNTY, UNIT, auth, build_world, decision_body, issue_policy, outbox

from enforcement_common.calendar import today
from enforcement_common.contracts.case import UnitCreated
from enforcement_common.testing.outbox import assert_outbox_matches_schemas
from tolerance_service.policy import TEMPLATES

NONE_EXCLUDED = {"outside_statutory_duty": False, "violated_statutory_procedure": False}


async def default_policy_id(client) -> str:
    items = (await client.get("/api/v1/policies", params={"platform": "true"}, headers=auth("officer"))).json()
    return items["items"][0]["id"]


class TestFiling:
    async def test_TOL_11_filing_recommends_exempted_under_the_policy_in_force_and_emits_applied(
        self, app, client, flow
    ) -> None:
        application = await flow.apply()
        assert application["status"] == "submitted"
        recommendation = application["recommendation"]
        assert recommendation["outcome"] == "exempted" and recommendation["basis"] == ["TOL-11"]
        assert "第十一条（六）" in recommendation["explanation"]
        assert recommendation["policy_id"] == application["policy_id"] == await default_policy_id(client)
        assert application["deciding_body"] == "单位党组" and application["deciding_unit_id"] == str(UNIT)
        (applied,) = await outbox(app, "tolerance.applied")
        assert applied["data"]["application_id"] == application["id"]
        assert applied["data"]["recommended_outcome"] == "exempted"
        await assert_outbox_matches_schemas(app)

    async def test_TOL_10_a_due_diligence_ground_recommends_due_diligence(self, flow) -> None:
        application = await flow.apply(grounds={"due_diligence": ["DD2"], "tolerance": ["TG1"], "mitigation": []})
        assert application["recommendation"]["outcome"] == "due_diligence"
        assert "第十条（二）" in application["recommendation"]["explanation"]

    async def test_TOL_11_a_condition_false_recommends_only_mitigation(self, flow) -> None:
        application = await flow.apply(conditions={"C1": True, "C2": True, "C3": False})
        assert application["recommendation"]["outcome"] == "mitigated"
        assert application["recommendation"]["mitigation_kinds"] == ["lighter", "reduced"]

    async def test_TOL_12_a_mitigation_ground_recommends_mitigated(self, flow) -> None:
        application = await flow.apply(grounds={"due_diligence": [], "tolerance": [], "mitigation": ["MG2"]})
        assert application["recommendation"]["outcome"] == "mitigated"
        assert application["recommendation"]["basis"] == ["TOL-12"]

    async def test_TOL_13_an_exclusion_recommends_rejected_over_every_ground(self, flow) -> None:
        application = await flow.apply(
            grounds={"due_diligence": ["DD1"], "tolerance": ["TG6"], "mitigation": ["MG1"]},
            exclusions={"outside_statutory_duty": False, "violated_statutory_procedure": True},
        )
        assert application["recommendation"]["outcome"] == "rejected"
        assert application["recommendation"]["basis"] == ["TOL-13"]

    async def test_TOL_4_a_major_loss_is_not_exempted(self, flow) -> None:
        minor = await flow.apply(loss_level="minor")
        major = await flow.apply(loss_level="major")
        assert minor["recommendation"]["outcome"] == "exempted"
        assert major["recommendation"]["outcome"] == "mitigated"
        assert major["recommendation"]["basis"][0] == "TOL-4" and "第四条" in major["recommendation"]["explanation"]

    async def test_TOL_14_self_application_by_an_officer_concerned_and_refused_for_another(self, client, world) -> None:
        from tolerance_testing import application_body

        body = application_body(world.unit, world.officers[:1], world.cases[0], initiated_by="self")
        mine = await client.post("/api/v1/applications", json=body, headers=auth("officer", officer=world.officers[0]))
        assert mine.status_code == 201, mine.text
        assert mine.json()["initiated_by"] == "self"
        other = await client.post("/api/v1/applications", json=body, headers=auth("officer", officer=world.officers[1]))
        assert other.status_code == 422 and other.json()["code"] == "tolerance.invalid_applicant"
        for_the_unit = {**body, "initiated_by": "unit"}
        officer_only = await client.post(
            "/api/v1/applications", json=for_the_unit, headers=auth("officer", officer=world.officers[0])
        )
        assert officer_only.status_code == 403 and officer_only.json()["code"] == "tolerance.not_a_unit_initiator"
        leader = await client.post("/api/v1/applications", json=for_the_unit, headers=auth("unit_leader"))
        assert leader.status_code == 201 and leader.json()["initiated_by"] == "unit"

    async def test_ids_outside_scope_or_unknown_are_404_the_same_either_way(self, app, client, world) -> None:
        from tolerance_testing import application_body

        sibling = uuid.uuid4()
        await app_deliver(
            app, UnitCreated(unit_id=sibling, code="T9", name="西关镇", kind="township", parent_id=COUNTY)
        )
        other = await build_world(app, sibling, "西关")
        headers = auth("legal_affairs")
        cases = [
            application_body(world.unit, world.officers[:1], other.cases[0]),  # a case of the sibling
            application_body(world.unit, other.officers[:1], world.cases[0]),  # an officer of the sibling
            application_body(world.unit, world.officers[:1], uuid.uuid4()),  # an unknown case
            application_body(world.unit, [uuid.uuid4()], None),  # an unknown officer
            application_body(sibling, other.officers[:1], other.cases[0]),  # the sibling unit
        ]
        answers = [await client.post("/api/v1/applications", json=body, headers=headers) for body in cases]
        assert [a.status_code for a in answers] == [404] * 5
        assert len({a.json()["code"] for a in answers}) == 1

    async def test_an_incident_in_the_future_is_refused(self, flow) -> None:
        refused = await flow.apply(expect=422, incident_on=(today() + timedelta(days=1)).isoformat())
        assert refused["code"] == "request.invalid" and refused["errors"][0]["loc"][-1] == "incident_on"


async def app_deliver(app, event):
    from enforcement_common.testing.delivery import deliver

    await deliver(app, event)


class TestPolicyAsOfTheIncident:
    async def test_TOL_14_two_versions_of_one_issuer_each_decides_its_incidents(self, app, client, flow) -> None:
        """000 第十条（十）: 按照事发当时. The county issued 001's template, then 000's (乡镇党委
        of the issuer); an incident before the second version and one after are each decided
        under their own version."""
        first_day = today() - timedelta(days=200)
        second_day = today() - timedelta(days=50)
        v1 = await issue_policy(
            app, COUNTY, first_day, TEMPLATES["001"].values.model_dump(mode="json"), "某县容错纠错制度（2025）"
        )
        v2 = await issue_policy(
            app, COUNTY, second_day, TEMPLATES["000"].values.model_dump(mode="json"), "某县容错纠错制度（修订）"
        )
        before = await flow.apply(incident_on=(second_day - timedelta(days=1)).isoformat())
        after = await flow.apply(incident_on=second_day.isoformat())
        assert before["policy_id"] == before["recommendation"]["policy_id"] == str(v1)
        assert after["policy_id"] == after["recommendation"]["policy_id"] == str(v2)
        assert (before["deciding_body"], before["deciding_unit_id"]) == ("单位党组", str(UNIT))
        assert (after["deciding_body"], after["deciding_unit_id"]) == ("乡镇党委", str(COUNTY))

        for application, decider in ((before, UNIT), (after, COUNTY)):
            await flow.investigate(application)
            decided = await flow.decide(application, unit=decider)
            assert decided["decision"]["outcome"] == "exempted"
            (deadline,) = decided["deadlines"]
            assert deadline["policy_id"] == application["policy_id"]
        events = {e["data"]["application_id"]: e["data"] for e in await outbox(app, "tolerance.decided")}
        assert events[before["id"]]["policy_id"] == str(v1) and events[after["id"]]["policy_id"] == str(v2)

    async def test_TOL_14_a_unit_under_000_gets_township_committee_one_under_003_the_bureau_group(
        self, app, client
    ) -> None:
        township, bureau = uuid.uuid4(), uuid.uuid4()
        await app_deliver(
            app, UnitCreated(unit_id=township, code="YX", name="虞乡镇", kind="township", parent_id=COUNTY)
        )
        await app_deliver(
            app, UnitCreated(unit_id=bureau, code="SJ", name="市场监督管理局", kind="bureau", parent_id=COUNTY)
        )
        section = uuid.uuid4()
        await app_deliver(
            app, UnitCreated(unit_id=section, code="SJ1", name="执法队", kind="detachment", parent_id=bureau)
        )
        since = today() - timedelta(days=365)
        p000 = await issue_policy(app, township, since, TEMPLATES["000"].values.model_dump(mode="json"), "虞乡镇")
        p003 = await issue_policy(app, bureau, since, TEMPLATES["003"].values.model_dump(mode="json"), "奈曼旗")
        from tolerance_testing import Flow

        for unit, policy, body, decider in (
            (township, p000, "乡镇党委", township),
            (section, p003, "局党组", bureau),
        ):
            w = await build_world(app, unit, "虞乡")
            f = Flow(client, w)
            application = await f.apply(grounds={"due_diligence": [], "tolerance": ["TG3"], "mitigation": []})
            assert (application["policy_id"], application["deciding_body"]) == (str(policy), body)
            assert application["deciding_unit_id"] == str(decider)
            wording = "衣食住行" if policy == p003 else "污染防治"
            assert wording in application["recommendation"]["explanation"]
            await f.investigate(application, grounds={"due_diligence": [], "tolerance": ["TG3"], "mitigation": []})
            # the unit's own party committee is not the body 003 names for a unit below the bureau
            if unit == section:
                wrong = await f.decide(application, unit=section, expect=403)
                assert wrong["code"] == "tolerance.not_the_deciding_body" and wrong["basis"] == ["TOL-14"]
            await f.decide(application, unit=decider)


class TestInvestigationAndDecision:
    async def test_investigation_recomputes_on_verified_grounds_and_keeps_both(self, flow) -> None:
        application = await flow.apply()
        investigated = await flow.investigate(
            application,
            grounds={"due_diligence": [], "tolerance": ["TG6"], "mitigation": []},
            conditions={"C1": True, "C2": True, "C3": False},
        )
        assert investigated["status"] == "investigated"
        assert investigated["recommendation"]["outcome"] == "exempted"  # the claim's, kept
        assert investigated["verified_recommendation"]["outcome"] == "mitigated"
        assert investigated["investigation"]["conditions"]["C3"] is False

    async def test_TOL_14_only_the_party_committee_of_the_deciding_body_decides(self, client, flow) -> None:
        application = await flow.apply()
        await flow.investigate(application)
        for headers in (auth("unit_leader"), auth("legal_affairs")):
            refused = await client.post(
                f"/api/v1/applications/{application['id']}/decision", json=decision_body(), headers=headers
            )
            assert refused.status_code == 403
        county = await client.post(
            f"/api/v1/applications/{application['id']}/decision",
            json=decision_body(),
            headers=auth("party_committee", unit=COUNTY),
        )
        assert county.status_code == 403 and county.json()["code"] == "tolerance.not_the_deciding_body"
        decided = await flow.decide(application)
        assert decided["decision"]["outcome"] == "exempted"

    async def test_TOL_13_exempted_with_a_verified_exclusion_is_refused(self, flow) -> None:
        application = await flow.apply()
        await flow.investigate(application, exclusions={**NONE_EXCLUDED, "outside_statutory_duty": True})
        refused = await flow.decide(application, "exempted", expect=422, reasons="党组认为应予免责")
        assert refused["code"] == "tolerance.decision_refused" and refused["basis"] == ["TOL-13"]
        rejected = await flow.decide(application, "rejected")
        assert rejected["decision"]["basis"] == ["TOL-13", "TOL-14"] and rejected["correction_id"] is None

    async def test_TOL_10_due_diligence_is_decided_on_a_verified_DD_ground_and_refused_under_an_exclusion(
        self, flow
    ) -> None:
        dd = {"due_diligence": ["DD5"], "tolerance": [], "mitigation": []}
        allowed = await flow.apply(grounds=dd)
        await flow.investigate(allowed, grounds=dd)
        decided = await flow.decide(allowed, "due_diligence")
        assert decided["decision"]["basis"][0] == "TOL-10" and decided["decision"]["policy_id"] == allowed["policy_id"]
        refused = await flow.apply(grounds=dd)
        await flow.investigate(refused, grounds=dd, exclusions={**NONE_EXCLUDED, "outside_statutory_duty": True})
        answer = await flow.decide(refused, "due_diligence", expect=422, reasons="x")
        assert answer["basis"] == ["TOL-13"]

    async def test_TOL_11_exempted_without_C1_to_C3_is_refused(self, flow) -> None:
        application = await flow.apply()
        await flow.investigate(application, conditions={"C1": True, "C2": False, "C3": True})
        refused = await flow.decide(application, "exempted", expect=422, reasons="x")
        assert refused["basis"] == ["TOL-11"]
        mitigated = await flow.decide(application, "mitigated", mitigation_kind="reduced")
        assert mitigated["decision"]["mitigation_kind"] == "reduced"

    async def test_TOL_12_mitigated_records_lighter_or_reduced(self, flow) -> None:
        application = await flow.apply(grounds={"due_diligence": [], "tolerance": [], "mitigation": ["MG1"]})
        await flow.investigate(application, grounds={"due_diligence": [], "tolerance": [], "mitigation": ["MG1"]})
        missing = await flow.decide(application, "mitigated", expect=422, mitigation_kind=None)
        assert missing["code"] == "tolerance.mitigation_kind_required"
        decided = await flow.decide(application, "mitigated")
        assert decided["decision"]["mitigation_kind"] == "lighter" and "TOL-12" in decided["decision"]["basis"]

    async def test_TOL_14_a_departing_decision_needs_reasons_and_records_deliberation(self, flow) -> None:
        application = await flow.apply()
        await flow.investigate(application)
        refused = await flow.decide(application, "rejected", expect=422)
        assert refused["code"] == "tolerance.reasons_required"
        decided = await flow.decide(application, "rejected", reasons="经综合研判，不予容错")
        decision = decided["decision"]
        assert decision["departs_from_recommendation"] is True and decision["reasons"] == "经综合研判，不予容错"
        assert decision["deliberation"]["loss_recovered"] == "已主动挽回损失"
        assert decision["publication_scope"] == "本单位内公开"

    async def test_a_decision_needs_the_investigation_first_and_is_made_once(self, flow) -> None:
        application = await flow.apply()
        early = await flow.decide(application, expect=409)
        assert early["allowed_actions"] == ["investigation"]
        await flow.investigate(application)
        await flow.decide(application)
        again = await flow.decide(application, expect=409)
        assert again["code"] == "tolerance.invalid_transition"

    async def test_TOL_15_exempted_and_due_diligence_are_not_an_enforcement_error_mitigated_is(self, app, flow) -> None:
        exempted = await flow.decided("exempted")
        mitigated = await flow.apply(conditions={"C1": True, "C2": True, "C3": False})
        await flow.investigate(mitigated, conditions={"C1": True, "C2": True, "C3": False})
        mitigated = await flow.decide(mitigated, "mitigated")
        assert exempted["decision"]["not_an_enforcement_error"] is True
        assert mitigated["decision"]["not_an_enforcement_error"] is False
        events = {e["data"]["application_id"]: e["data"] for e in await outbox(app, "tolerance.decided")}
        assert events[exempted["id"]]["not_an_enforcement_error"] is True
        assert "TOL-15" in events[exempted["id"]]["basis"]
        assert events[mitigated["id"]]["not_an_enforcement_error"] is False


class TestNotification:
    async def test_TOL_14_notify_due_in_7_days_met_in_time(self, client, flow) -> None:
        decided = await flow.decided(days_ago=2)
        (deadline,) = decided["deadlines"]
        assert deadline["kind"] == "notification" and deadline["basis"] == ["TOL-14"]
        assert deadline["due_on"] == (today() + timedelta(days=5)).isoformat() and deadline["status"] == "open"
        notified = await client.post(
            f"/api/v1/applications/{decided['id']}/notifications",
            json={"notified_on": today().isoformat(), "recipients": ["当事人", "县司法局"]},
            headers=auth("legal_affairs"),
        )
        assert notified.status_code == 200, notified.text
        assert notified.json()["deadlines"][0]["status"] == "met"
        again = await client.post(
            f"/api/v1/applications/{decided['id']}/notifications",
            json={"notified_on": today().isoformat(), "recipients": ["当事人"]},
            headers=auth("legal_affairs"),
        )
        assert again.status_code == 409

    async def test_TOL_14_a_late_notification_stays_visible_and_the_scanner_emits_once(self, app, client, flow) -> None:
        from tolerance_service.applications.deadlines import notification_scanner

        decided = await flow.decided(days_ago=9)
        assert decided["deadlines"][0]["status"] == "overdue"
        scanner = notification_scanner(60)
        assert await scanner.scan_once(app.state.sessions) == 1
        assert await scanner.scan_once(app.state.sessions) == 0
        (overdue,) = await outbox(app, "tolerance.notification_overdue")
        assert overdue["data"]["notify_due_on"] == (today() - timedelta(days=2)).isoformat()
        assert overdue["data"]["basis"] == ["TOL-14"] and overdue["data"]["policy_id"] == decided["policy_id"]
        late = await client.post(
            f"/api/v1/applications/{decided['id']}/notifications",
            json={"notified_on": today().isoformat(), "recipients": ["当事人"]},
            headers=auth("legal_affairs"),
        )
        deadline = late.json()["deadlines"][0]
        assert (deadline["status"], deadline["days_late"]) == ("met_late", 2)
        assert await scanner.scan_once(app.state.sessions) == 0
        await assert_outbox_matches_schemas(app)

    async def test_TOL_14_working_day_notification_period_per_policy(self, app, client) -> None:
        from tolerance_testing import Flow

        values = TEMPLATES["000"].values.model_copy(update={"notification_day_kind": "working"})
        await issue_policy(app, UNIT, today() - timedelta(days=100), values.model_dump(mode="json"), "工作日")
        w = await build_world(app)
        f = Flow(client, w, app)
        decided = await f.decided()
        from enforcement_common.calendar import add_working_days

        assert decided["deadlines"][0]["due_on"] == add_working_days(today(), 7).isoformat()


async def test_list_filters_and_scope(client, flow) -> None:
    exempted = await flow.decided("exempted")
    await flow.apply()
    listed = await client.get("/api/v1/applications", params={"outcome": "exempted"}, headers=auth("auditor"))
    assert [a["id"] for a in listed.json()["items"]] == [exempted["id"]]
    elsewhere = await client.get("/api/v1/applications", headers=auth("auditor", unit=uuid.uuid4()))
    assert elsewhere.json()["items"] == []
