"""Tolerance demo for the demo county, through the public API (``make demo``, after case-service's).

Reads the demo county's townships, officers and cases from case-service (``GET /units``,
``/officers``, ``/cases``), then, in tolerance-service: a township adopts the 虞乡镇 template
(000, 乡镇党委 decides) from today; applications with every outcome — due diligence,
exemption with its correction (progress, an extension approved, completion), mitigation,
rejection under 第十三条 — decided by the deciding body, most notified; three petitions
(real-name found unfounded with feedback and a clarification, anonymous found unproven with
an explanation, one pending).

Idempotent: every item carries a marker (〔演示N〕) looked up before it is created, so a
second run adds nothing. tolerance-service learns officers and cases from case-service's
events: a filing answered 404 is retried until they arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from enforcement_common.auth.tokens import mint_token
from enforcement_common.calendar import today
from enforcement_common.config import LOCAL_JWT_SECRET
from tolerance_service.policy import TEMPLATES

DELIBERATION = {
    "subjective_objective": "主观上积极履职，客观上受条件限制",
    "procedure_method": "程序合法，方法适当",
    "nature_degree": "情节轻微",
    "consequences_impact": "未造成严重不良影响",
    "loss_recovered": "已主动挽回损失",
}

#: (marker, grounds, conditions, exclusions, loss, decision outcome, mitigation kind, reasons)
APPLICATIONS: list[tuple[str, dict, dict, dict, str, str, str | None, str | None]] = [
    ("〔演示1〕当事人提供虚假材料致认定错误", {"due_diligence": ["DD2"]}, {}, {}, "minor", "due_diligence", None, None),
    (
        "〔演示2〕执法检查中当事人故意隐瞒未及时发现隐患",
        {"tolerance": ["TG6"]},
        {"C1": True, "C2": True, "C3": True},
        {},
        "minor",
        "exempted",
        None,
        None,
    ),
    (
        "〔演示3〕临机决断出现偏差，未能全部挽回损失",
        {"tolerance": ["TG5"], "mitigation": ["MG1"]},
        {"C1": True, "C2": True, "C3": False},
        {},
        "minor",
        "mitigated",
        "lighter",
        None,
    ),
    (
        "〔演示4〕超越法定职责范围实施查封",
        {"tolerance": ["TG1"]},
        {"C1": True, "C2": True, "C3": True},
        {"outside_statutory_duty": True},
        "major",
        "rejected",
        None,
        None,
    ),
    (
        "〔演示5〕配合问责调查并主动承担责任",
        {"mitigation": ["MG2"]},
        {},
        {},
        "minor",
        "mitigated",
        "reduced",
        None,
    ),
    ("〔演示6〕政策调整期间执法出现偏差（待调查）", {"tolerance": ["TG4"]}, {"C1": True}, {}, "none", "", None, None),
]


@dataclass
class County:
    """What case-service knows of the demo county: townships with their officers and cases."""

    county: str
    townships: list[str]
    officers: dict[str, list[str]]
    cases: dict[str, list[str]]


class Demo:
    def __init__(self, client: httpx.AsyncClient, secret: str, retry_seconds: float = 120.0) -> None:
        self.client, self.secret, self.retry_seconds = client, secret, retry_seconds
        self.created = {"policies": 0, "applications": 0, "petitions": 0}

    def headers(self, *roles: str, unit: str | None = None, officer: str | None = None) -> dict[str, str]:
        token = mint_token(
            roles=list(roles), unit_id=unit, officer_id=officer, secret=self.secret, sub="demo-loader", name="演示数据"
        )
        return {"Authorization": f"Bearer {token}"}

    async def _ok(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise RuntimeError(
                f"{response.request.method} {response.request.url} → {response.status_code}: {response.text[:500]}"
            )
        return response.json()

    async def _post(self, path: str, body: dict, headers: dict, *, if_match: int | None = None) -> Any:
        if if_match is not None:
            headers = {**headers, "If-Match": f'"{if_match}"'}
        return await self._ok(await self.client.post(path, json=body, headers=headers))

    async def _post_when_known(self, path: str, body: dict, headers: dict) -> Any:
        """A filing naming officers and cases: 404 until case-service's events arrived."""
        waited = 0.0
        while True:
            response = await self.client.post(path, json=body, headers=headers)
            if response.status_code != 404 or waited >= self.retry_seconds:
                return await self._ok(response)
            await asyncio.sleep(2.0)
            waited += 2.0

    async def load(self, county: County) -> dict[str, int]:
        township = county.townships[0]
        await self.adopt_template(township)
        for index, item in enumerate(APPLICATIONS):
            unit = county.townships[index % len(county.townships)]
            await self.application(unit, county.officers[unit], county.cases[unit], item)
        await self.petitions(county.townships[-1], county.officers[county.townships[-1]])
        return self.created

    async def adopt_template(self, township: str) -> None:
        """The township adopts the 虞乡镇 template (000): its 乡镇党委 decides from today."""
        admin = self.headers("admin")
        known = await self._ok(
            await self.client.get("/api/v1/policies", params={"issuer_unit_id": township}, headers=admin)
        )
        if known["items"]:
            return
        template = TEMPLATES["000"]
        body = {
            "issuer_unit_id": township,
            "effective_from": today().isoformat(),
            "values": template.values.model_dump(mode="json"),
            "source": {"title": f"{template.source.title}（演示采用）", "document_number": None},
        }
        await self._post("/api/v1/policies", body, self.headers("justice_bureau", unit=township))
        self.created["policies"] += 1

    async def _existing(self, unit: str, marker: str) -> dict | None:
        listed = await self._ok(
            await self.client.get(
                "/api/v1/applications", params={"unit_id": unit, "limit": 500}, headers=self.headers("admin")
            )
        )
        return next((a for a in listed["items"] if a["description"].startswith(marker[:5])), None)

    async def application(self, unit: str, officers: list[str], cases: list[str], item: tuple) -> None:
        description, grounds, conditions, exclusions, loss, outcome, kind, reasons = item
        if await self._existing(unit, description):
            return
        legal = self.headers("legal_affairs", unit=unit)
        full = {"due_diligence": [], "tolerance": [], "mitigation": [], **grounds}
        claim = {
            "grounds": full,
            "conditions": {"C1": False, "C2": False, "C3": False, **conditions},
            "exclusions": {"outside_statutory_duty": False, "violated_statutory_procedure": False, **exclusions},
        }
        body = {
            "unit_id": unit,
            "officer_ids": officers[:1],
            "case_id": cases[0] if cases else None,
            "initiated_by": "unit",
            "incident_on": (today() - timedelta(days=30)).isoformat(),
            "description": description,
            "loss_level": loss,
            **claim,
        }
        application = await self._post_when_known("/api/v1/applications", body, legal)
        self.created["applications"] += 1
        if not outcome:
            return
        path = f"/api/v1/applications/{application['id']}"
        facts = {"investigated_on": today().isoformat(), "facts": f"经调查核实：{description[4:]}", "loss_level": loss}
        application = await self._post(f"{path}/investigation", {**facts, **claim}, legal)
        decision: dict[str, Any] = {
            "outcome": outcome,
            "mitigation_kind": kind,
            "decided_on": today().isoformat(),
            "reasons": reasons,
            "publication_scope": "本单位内公开",
            "deliberation": DELIBERATION,
        }
        if outcome in ("due_diligence", "exempted"):
            decision["correction"] = {
                "reason": "执法流程存在薄弱环节",
                "items": ["完善执法检查台账", "开展专题学习"],
                "requirements": "限期完成整改并书面报告",
                "due_on": (today() + timedelta(days=30)).isoformat(),
            }
        committee = self.headers("party_committee", unit=application["deciding_unit_id"])
        application = await self._post(f"{path}/decision", decision, committee)
        await self._post(
            f"{path}/notifications",
            {"notified_on": today().isoformat(), "recipients": ["当事人", "所在单位", "县司法局"]},
            legal,
        )
        if application["correction_id"]:
            await self.correct(application, legal, committee, complete=outcome == "due_diligence")

    async def correct(self, application: dict, legal: dict, committee: dict, *, complete: bool) -> None:
        path = f"/api/v1/corrections/{application['correction_id']}"
        await self._post(f"{path}/progress", {"reported_on": today().isoformat(), "content": "已完善台账"}, legal)
        if complete:
            body = {"completed_on": today().isoformat(), "cause_analysis": "制度不健全", "report": "已建章立制"}
            await self._post(f"{path}/completion", body, legal)
            return
        request = await self._post(
            f"{path}/extension-requests",
            {"requested_due_on": (today() + timedelta(days=45)).isoformat(), "reason": "需等待上级业务指导"},
            legal,
        )
        await self._post(
            f"{path}/extension-requests/{request['id']}/decision",
            {"approved": True, "reason": "情况属实，同意延期", "decided_on": today().isoformat()},
            committee,
        )

    async def petitions(self, unit: str, officers: list[str]) -> None:
        office = self.headers("discipline", unit=unit)
        listed = await self._ok(
            await self.client.get("/api/v1/petitions", params={"unit_id": unit, "limit": 500}, headers=office)
        )
        known = {p["summary"][:5] for p in listed["items"]}
        subject = officers[-1:]
        items = [
            ("〔演示7〕反映执法人员检查时收受礼品", False, "unfounded"),
            ("〔演示8〕匿名反映执法人员态度粗暴", True, "unproven"),
            ("〔演示9〕反映执法人员未及时处理投诉", False, None),
        ]
        for summary, anonymous, outcome in items:
            if summary[:5] in known:
                continue
            body: dict[str, Any] = {
                "unit_id": unit,
                "officer_ids": subject,
                "received_on": today().isoformat(),
                "summary": summary,
                "anonymous": anonymous,
            }
            if not anonymous:
                body["reporter"] = {"name": "演示举报人", "phone": "13800000000"}
            petition = await self._post_when_known("/api/v1/petitions", body, office)
            self.created["petitions"] += 1
            if outcome is None:
                continue
            path = f"/api/v1/petitions/{petition['id']}"
            await self._post(
                f"{path}/outcome",
                {"outcome": outcome, "concluded_on": today().isoformat(), "findings": "经核查"},
                office,
            )
            feedback = {"given_on": today().isoformat(), "content": "已反馈核查结果"}
            await self._post(f"{path}/feedback", {**feedback, **({"scope": "镇机关"} if anonymous else {})}, office)
            if outcome == "unfounded":
                await self._post(
                    f"{path}/clarifications",
                    {
                        "officer_ids": subject,
                        "consent": {"given": True, "given_on": today().isoformat()},
                        "scope": "全镇执法人员会议",
                        "channel": "会议通报",
                        "content": "经查举报不属实，予以澄清正名",
                        "issued_on": today().isoformat(),
                    },
                    office,
                )


async def read_county(case_client: httpx.AsyncClient, secret: str) -> County:
    """The demo county as case-service serves it (townships with officers and cases)."""
    admin = {"Authorization": f"Bearer {mint_token(roles=['admin'], secret=secret, sub='demo-loader')}"}

    async def items(path: str, **params: Any) -> list[dict]:
        response = await case_client.get(path, params={"limit": 500, **params}, headers=admin)
        response.raise_for_status()
        return response.json()["items"]

    units = await items("/api/v1/units")
    county = next(u["id"] for u in units if u["kind"] == "county")
    townships = [u["id"] for u in units if u["kind"] == "township"]
    officers = {t: [o["id"] for o in await items("/api/v1/officers", unit_id=t)] for t in townships}
    cases = {t: [c["id"] for c in await items("/api/v1/cases", unit_id=t)] for t in townships}
    return County(county, [t for t in townships if officers[t]], officers, cases)


async def load(base_url: str, case_url: str, secret: str) -> dict[str, int]:
    async with (
        httpx.AsyncClient(base_url=case_url, timeout=60) as case_client,
        httpx.AsyncClient(base_url=base_url, timeout=60) as client,
    ):
        county = await read_county(case_client, secret)
        return await Demo(client, secret).load(county)


def main() -> int:
    parser = argparse.ArgumentParser(description="Load the tolerance demo into a running tolerance-service.")
    parser.add_argument("--base-url", default="http://127.0.0.1:8002")
    parser.add_argument("--case-url", default="http://127.0.0.1:8001")
    args = parser.parse_args()
    created = asyncio.run(load(args.base_url, args.case_url, os.environ.get("AUTH_JWT_SECRET") or LOCAL_JWT_SECRET))
    print(
        f"tolerance demo loaded: {created['policies']} policy versions, {created['applications']} applications, "
        f"{created['petitions']} petitions created (0 each on a re-run)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
