"""Reconciliation (对账) with the owner of the cases: our counters for a unit and period beside
case-service's ``GET /cases:counts?unit_id=&from=&to=&group_by=category``, differences listed.

case-service answers ``rows`` of ``{key: category, filed, decided, closed, hearings,
fines_total, confiscations_total, penalty_decisions: {heaviest kind: n}}``; its heaviest kinds
are compared by their class of 行政处罚法 第九条 (``penalty:k1`` … ``k5``, ``k0``), as this service
counts them (STAT-7). Only the measures both sides give are compared."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from stats_service import errors, rules

MEASURES = (
    "filed",
    "decided",
    "closed",
    "hearings",
    "fines_total",
    "confiscations_total",
    *(f"penalty:{k}" for k in rules.PENALTY_CLASSES),
)


def ours_by_category(groups: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Our case figures (group_by=category) as decimal strings, categories without a duty left out."""
    out = {}
    for g in groups:
        if g["no_duty"]:
            continue
        row = {m: str(g[m]) for m in MEASURES if m in g}
        for k, n in (g.get("penalty_decisions_by_kind") or {}).items():
            row[f"penalty:{k}"] = str(n)
        out[g["key"]] = row
    return out


def theirs_by_category(body: Any) -> dict[str, dict[str, str]]:
    rows = None
    if isinstance(body, dict):
        rows = next((body[k] for k in ("rows", "groups", "items") if isinstance(body.get(k), list)), None)
    elif isinstance(body, list):
        rows = body
    if rows is None:
        raise ValueError("no list of counts in case-service's answer")
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        category = row.get("category") or row.get("key")
        if not isinstance(category, str):
            continue
        counted = {m: str(row[m]) for m in MEASURES if row.get(m) is not None}
        kinds = row.get("penalty_decisions")
        if isinstance(kinds, dict):
            classes: dict[str, int] = {}
            for kind, n in kinds.items():
                if kind in rules.PENALTY_CLASS:
                    cls = f"penalty:k{rules.PENALTY_CLASS[kind]}"
                    classes[cls] = classes.get(cls, 0) + int(n)
            counted.update({f"penalty:{k}": str(classes.get(f"penalty:{k}", 0)) for k in rules.PENALTY_CLASSES})
        out[category] = counted
    return out


def _same(a: str, b: str) -> bool:
    try:
        return Decimal(a) == Decimal(b)
    except InvalidOperation:
        return a == b


def differences(ours: dict[str, dict[str, str]], theirs: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """Every category × measure both sides count where the figures differ (a category one side
    lacks counts as 0 there)."""
    out = []
    measures = {m for row in theirs.values() for m in row}
    for category in sorted(ours.keys() | theirs.keys()):
        for measure in MEASURES:
            if measure not in measures:
                continue
            a = ours.get(category, {}).get(measure, "0")
            b = theirs.get(category, {}).get(measure, "0")
            if not _same(a, b):
                out.append({"category": category, "measure": measure, "ours": a, "theirs": b})
    return out


async def fetch_counts(
    base_url: str, authorization: str | None, unit_id: uuid.UUID, start: date, end: date, *, transport=None
) -> tuple[str, Any]:
    url = f"{base_url.rstrip('/')}/api/v1/cases:counts"
    params = {"unit_id": str(unit_id), "from": start.isoformat(), "to": end.isoformat(), "group_by": "category"}
    headers = {"Authorization": authorization} if authorization else {}
    try:
        async with httpx.AsyncClient(timeout=10.0, transport=transport) as client:
            response = await client.get(url, params=params, headers=headers)
    except httpx.HTTPError as exc:
        raise errors.RECONCILIATION_SOURCE_UNAVAILABLE(f"case-service did not answer at {url}: {exc!r}") from None
    if response.status_code != 200:
        raise errors.RECONCILIATION_SOURCE_UNAVAILABLE(
            f"case-service answered {response.status_code} at {url}: {response.text[:300]}"
        )
    return url, response.json()
