"""The content of a statistics report in the 行政执法统计年报 layout: a table of cases per
category (STAT-5c, STAT-7: 罚没金额 in 万元 to four places; STAT-8: 无相关职责 vs 0), cases by
month, training (STAT-5a), certificate holders (STAT-5b, STAT-8), reviews, tolerance and
accountability — computed from one generation, so that the same events give the same JSON."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from stats_service import rules
from stats_service.stats import service as figures

#: Report columns of the case table: key, Chinese header, number format (for the exports).
CASE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("filed", "立案数（件）", "int"),
    ("decided", "作出决定数（件）", "int"),
    ("closed", "结案数（件）", "int"),
    ("hearings", "举行听证数（件）", "int"),
    ("fines_wan", "罚款金额（万元）", "wan"),
    ("confiscations_wan", "没收金额（万元）", "wan"),
    *((f"penalty_{k}", f"按最重种类：{rules.PENALTY_CLASS_ZH[k]}（件）", "int") for k in rules.PENALTY_CLASSES),
)


def _text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID | date):
        return str(value)
    if isinstance(value, dict):
        return {k: _text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


def _case_row(group: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"category": group["key"], "label": group["label"], "no_duty": group["no_duty"]}
    if group["no_duty"]:
        for key, _, _ in CASE_COLUMNS:
            row[key] = rules.NO_DUTY
        return row
    row.update(
        filed=group["filed"],
        decided=group["decided"],
        closed=group["closed"],
        hearings=group["hearings"],
        fines_wan=str(rules.to_wan_yuan(group["fines_total"])),
        confiscations_wan=str(rules.to_wan_yuan(group["confiscations_total"])),
    )
    for k in rules.PENALTY_CLASSES:
        row[f"penalty_{k}"] = group["penalty_decisions_by_kind"][k]
    return row


async def build(session: AsyncSession, gen: int, unit_id: uuid.UUID, period: str) -> dict[str, Any]:
    """The report's content from generation ``gen`` (JSON-ready, deterministic)."""
    start, end = rules.period_range(period)
    unit = (await figures.units_of(session, gen, [unit_id])).get(unit_id)
    unit_name = unit.name if unit else str(unit_id)
    by_category = await figures.case_figures(session, gen, unit_id, start, end, "category")
    by_month = await figures.case_figures(session, gen, unit_id, start, end, "month")
    training = await figures.training_figures(session, gen, unit_id, start, end)
    certificates = await figures.certificate_figures(session, gen, unit_id, end, "unit")
    reviews = await figures.review_figures(session, gen, unit_id, start, end)
    tolerance = await figures.tolerance_figures(session, gen, unit_id, start, end)
    accountability = await figures.accountability_figures(session, gen, unit_id, start, end)
    for part in (training, reviews, tolerance, accountability):
        for key in ("unit_id", "from", "to"):
            part.pop(key, None)
    return _text(
        {
            "title": f"{unit_name}{period}行政执法统计报表",
            "unit": {"id": unit_id, "name": unit_name, "code": unit.code if unit else None},
            "period": period,
            "from": start,
            "to": end,
            "catalogue_version": rules.CATALOGUE_VERSION,
            "cases": [_case_row(g) for g in by_category["groups"]],
            "totals": _case_row(by_category["totals"]),
            "by_month": [{"month": g["key"], "filed": g["filed"], "closed": g["closed"]} for g in by_month["groups"]],
            "training": training,
            "certificates": {**certificates["totals"], "on": end},
            "reviews": reviews,
            "tolerance": tolerance,
            "accountability": accountability,
            "basis": ["STAT-4", "STAT-5a", "STAT-5b", "STAT-5c", "STAT-7", "STAT-8", "TOL-15"],
        }
    )


def differences(frozen: Any, rederived: Any, path: str = "") -> list[dict[str, Any]]:
    """Every leaf where two contents differ (``path`` like ``cases[0].filed``)."""
    if isinstance(frozen, dict) and isinstance(rederived, dict):
        out = []
        for key in sorted(frozen.keys() | rederived.keys()):
            out += differences(frozen.get(key), rederived.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(frozen, list) and isinstance(rederived, list) and len(frozen) == len(rederived):
        out = []
        for i, (a, b) in enumerate(zip(frozen, rederived, strict=True)):
            out += differences(a, b, f"{path}[{i}]")
        return out
    return [] if frozen == rederived else [{"path": path, "frozen": frozen, "rederived": rederived}]
