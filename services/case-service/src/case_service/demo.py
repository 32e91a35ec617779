"""A realistic demo county, loaded through the public API (``make demo``).

A county root, 3 townships, 4 departments, about 40 officers (a few uncertified or
with an expired certificate) and about 300 cases over every category and stage,
with fines, hearings and a few legal remedies. Deterministic (seeded) and
idempotent: units are found by code, officers by certificate number or name, cases
are upserted by external_ref through ``POST /cases:import`` and only new cases are
moved through their lifecycle — a second run adds nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
from datetime import date, timedelta
from typing import Any

import httpx

from enforcement_common.auth.tokens import mint_token
from enforcement_common.calendar import today
from enforcement_common.config import LOCAL_JWT_SECRET

COUNTY = ("XIXIAN", "隰县", "隰县", "141031")
TOWNSHIPS = [("LONGQUAN", "龙泉镇", "龙泉"), ("HUANGTU", "黄土镇", "黄土"), ("WUCHENG", "午城镇", "午城")]
DEPARTMENTS = [
    ("CHENGGUAN", "县城市管理局", "城管"),
    ("SHIJIAN", "县市场监督管理局", "市监"),
    ("ZIRAN", "县自然资源局", "自然资源"),
    ("JIAOTONG", "县交通运输局", "交通"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚"]
TITLES = {
    "penalty": ["未经许可擅自经营", "占道经营", "销售过期食品", "违规倾倒建筑垃圾", "超限运输"],
    "license": ["食品经营许可申请", "户外广告设置许可", "道路挖掘许可"],
    "coercion": ["查封违法经营场所", "扣押超限车辆"],
    "inspection": ["食品安全专项检查", "建筑工地扬尘检查"],
    "levy": ["征收城市道路占用费"],
    "requisition": ["临时征用场地"],
}
#: Target stage → the actions that lead there from filing.
STAGES: dict[str, list[str]] = {
    "filed": [],
    "investigating": ["investigation"],
    "reviewing": ["investigation", "legal-review"],
    "decided": ["investigation", "decision"],
    "served": ["investigation", "decision", "service"],
    "executed": ["investigation", "decision", "service", "execution"],
    "closed": ["investigation", "decision", "service", "execution", "closure"],
    "archived": ["investigation", "decision", "service", "execution", "closure", "archive"],
    "transferred": ["investigation", "transfer"],
    "withdrawn": ["withdrawal"],
}
STAGE_WEIGHTS = {
    "filed": 20,
    "investigating": 40,
    "reviewing": 15,
    "decided": 25,
    "served": 25,
    "executed": 30,
    "closed": 70,
    "archived": 55,
    "transferred": 8,
    "withdrawn": 12,
}


class Demo:
    def __init__(self, client: httpx.AsyncClient, secret: str, cases: int = 300, seed: int = 20261121) -> None:
        self.client = client
        self.secret = secret
        self.case_count = cases
        self.random = random.Random(seed)
        self.units: dict[str, str] = {}
        self.officers: dict[str, list[dict[str, Any]]] = {}
        self.created = {"units": 0, "officers": 0, "cases": 0}

    def headers(self, *roles: str, unit: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {mint_token(roles=list(roles), unit_id=unit, secret=self.secret, sub='demo-loader', name='演示数据')}"
        }

    async def _ok(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            raise RuntimeError(
                f"{response.request.method} {response.request.url} → {response.status_code}: {response.text[:500]}"
            )
        return response.json()

    async def unit(
        self, code: str, name: str, short: str, kind: str, parent: str | None, region: str | None = None
    ) -> str:
        admin = self.headers("admin")
        found = (await self._ok(await self.client.get("/api/v1/units", params={"code": code}, headers=admin)))["items"]
        if found:
            return found[0]["id"]
        body = {
            "code": code,
            "name": name,
            "short_name": short,
            "kind": kind,
            "parent_id": parent,
            "region_code": region,
        }
        self.created["units"] += 1
        return (await self._ok(await self.client.post("/api/v1/units", json=body, headers=admin)))["id"]

    async def load(self) -> dict[str, int]:
        county = await self.unit(*COUNTY[:3], "county", None, COUNTY[3])
        self.units[COUNTY[0]] = county
        for code, name, short in TOWNSHIPS:
            self.units[code] = await self.unit(code, name, short, "township", county)
        for code, name, short in DEPARTMENTS:
            self.units[code] = await self.unit(code, name, short, "department", county)
        for index, code in enumerate(self.units):
            self.officers[code] = await self.staff(
                code, 6 if code in dict((d[0], d) for d in DEPARTMENTS) else 5, index
            )
        await self.cases()
        return self.created

    async def staff(self, unit_code: str, count: int, unit_index: int) -> list[dict[str, Any]]:
        admin = self.headers("admin")
        unit = self.units[unit_code]
        existing = {
            o["name"]: o
            for o in (
                await self._ok(
                    await self.client.get("/api/v1/officers", params={"unit_id": unit, "limit": 500}, headers=admin)
                )
            )["items"]
        }
        officers = []
        for n in range(count):
            name = (
                SURNAMES[(unit_index * 7 + n) % len(SURNAMES)]
                + GIVEN[(unit_index * 5 + n * 3) % len(GIVEN)]
                + ("" if n < 3 else GIVEN[n % len(GIVEN)])
            )
            if name in existing:
                officers.append(existing[name])
                continue
            body: dict[str, Any] = {
                "unit_id": unit,
                "name": name,
                "staff_type": "established" if n < count - 1 else "contract",
                "position": "执法队员",
                "id_number": f"1410{unit_index:02d}19{80 + n:02d}0101{n:03d}{n % 10}",
            }
            if not (unit_index == 1 and n == count - 1):  # one officer without a certificate
                expired = unit_index == 2 and n == count - 1  # and one whose certificate expired
                body["certificate"] = {
                    "number": f"晋{unit_code[:3]}{unit_index:02d}{n:03d}",
                    "issued_on": "2023-03-01",
                    "expires_on": "2026-01-31" if expired else "2029-02-28",
                }
            self.created["officers"] += 1
            officers.append(await self._ok(await self.client.post("/api/v1/officers", json=body, headers=admin)))
        return officers

    def _dates(self, filed_on: date, steps: int) -> list[date]:
        span = max((today() - filed_on).days, 1)
        offsets = sorted(self.random.randint(1, span) for _ in range(steps))
        return [filed_on + timedelta(days=o) for o in offsets]

    async def cases(self) -> None:
        stages = [stage for stage, weight in STAGE_WEIGHTS.items() for _ in range(weight)]
        units = list(self.units)
        plans = []
        for n in range(self.case_count):
            unit_code = units[n % len(units)]
            category = [*TITLES, "penalty", "penalty"][n % (len(TITLES) + 2)]  # penalties are the most common
            certified = [o for o in self.officers[unit_code] if o["qualification_status"] == "active"]
            handlers = self.random.sample(certified, 2)
            filed_on = today() - timedelta(days=self.random.randint(10, 320))
            plans.append(
                {
                    "item": {
                        "unit_id": self.units[unit_code],
                        "category": category,
                        "title": self.random.choice(TITLES[category]),
                        "summary": "演示数据",
                        "party": {
                            "name": f"{self.random.choice(SURNAMES)}某{'商店' if n % 2 else ''}",
                            "kind": "organization" if n % 2 else "person",
                        },
                        "lead_handler_id": handlers[0]["id"],
                        "co_handler_ids": [handlers[1]["id"]],
                        "is_major": n % 11 == 0,
                        "filed_on": filed_on.isoformat(),
                        "external_ref": f"DEMO-{n:04d}",
                    },
                    "unit": self.units[unit_code],
                    "stage": self.random.choice(stages),
                    "hearing": n % 9 == 0,
                    "remedy": n % 37 == 0,
                }
            )
        by_unit: dict[str, list[dict]] = {}
        for plan in plans:
            by_unit.setdefault(plan["unit"], []).append(plan)
        for unit, unit_plans in by_unit.items():
            platform = self.headers("platform", unit=unit)
            report = await self._ok(
                await self.client.post("/api/v1/cases:import", json=[p["item"] for p in unit_plans], headers=platform)
            )
            errors = [r for r in report["results"] if r["outcome"] == "error"]
            if errors:
                raise RuntimeError(f"demo import refused: {errors[:3]}")
            for plan, result in zip(unit_plans, report["results"], strict=True):
                if result["outcome"] == "created":
                    self.created["cases"] += 1
                    await self.progress(result["case_id"], plan)

    async def progress(self, case_id: str, plan: dict[str, Any]) -> None:
        actor = self.headers("officer", "legal_affairs", unit=plan["unit"])
        steps = list(STAGES[plan["stage"]])
        if plan["item"]["is_major"] and "decision" in steps and "legal-review" not in steps:
            steps.insert(steps.index("decision"), "legal-review")
        if plan["hearing"] and "decision" in steps:
            steps.insert(steps.index("decision"), "hearing")
        dates = iter(self._dates(date.fromisoformat(plan["item"]["filed_on"]), len(steps)))
        penalty = plan["item"]["category"] == "penalty"
        confiscated = penalty and self.random.random() < 0.2
        decided_on = None
        for step in steps:
            on = next(dates).isoformat()
            decided_on = on if step == "decision" else decided_on
            body = {
                "investigation": {"started_on": on},
                "legal-review": {"opinion": "approved", "reviewed_on": on},
                "hearing": {"held_on": on},
                "decision": {
                    "decision_type": "罚款" if penalty else "决定",
                    "decided_on": on,
                    "legal_basis": "《中华人民共和国行政处罚法》等",
                    "fine_amount": f"{self.random.choice([200, 500, 1000, 2000, 5000, 20000])}.00" if penalty else None,
                    "confiscation_amount": "800.00" if confiscated else None,
                    # 行政处罚法 第九条 kinds of a penalty decision (STAT-7)
                    "penalty_kinds": (["fine", "confiscation"] if confiscated else ["fine"]) if penalty else None,
                },
                "service": {"served_on": on, "method": self.random.choice(["direct", "mail", "electronic"])},
                "execution": {"executed_on": on},
                "closure": {"closed_on": on},
                "archive": {"archived_on": on},
                "transfer": {"to": "police", "reason": "涉嫌犯罪，移送公安机关"},
                "withdrawal": {"reason": "不符合立案条件"},
            }[step]
            await self._ok(
                await self.client.post(
                    f"/api/v1/cases/{case_id}/{step}",
                    json={k: v for k, v in body.items() if v is not None},
                    headers=actor,
                )
            )
        if plan["remedy"] and plan["stage"] in ("closed", "archived", "executed", "served"):
            legal = self.headers("legal_affairs", unit=plan["unit"])
            remedy = {
                "kind": self.random.choice(["reconsideration", "litigation"]),
                "status": "concluded",
                "result": self.random.choice(["upheld", "revoked", "changed"]),
                "filed_on": decided_on,  # a remedy challenges the decision: filed after it (CASE-8)
                "concluded_on": today().isoformat(),
            }
            await self._ok(
                await self.client.post(f"/api/v1/cases/{case_id}/legal-remedies", json=remedy, headers=legal)
            )


async def load(base_url: str, secret: str, cases: int) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        return await Demo(client, secret, cases).load()


def main() -> int:
    parser = argparse.ArgumentParser(description="Load the demo county into a running case-service.")
    parser.add_argument("--base-url", default="http://127.0.0.1:8001")
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()
    created = asyncio.run(load(args.base_url, os.environ.get("AUTH_JWT_SECRET") or LOCAL_JWT_SECRET, args.cases))
    print(
        f"demo county loaded: {created['units']} units, {created['officers']} officers, {created['cases']} cases created (0 each on a re-run)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
