"""Policy versions (CONTRACT.md "policies"): the version of the nearest issuing unit at or
above the fact's unit, latest effective_from on or before the fact's date; the platform
default (the seeds' wording) elsewhere; versions never change."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest

from enforcement_common.calendar import today
from enforcement_common.policies import resolve

POLICIES = "/api/v1/policies"


def version(unit, effective_from: date, notify_days: int, title: str = "某县容错纠错实施办法") -> dict:
    return {
        "issuer_unit_id": str(unit),
        "effective_from": effective_from.isoformat(),
        "values": {"notify_days": notify_days, "day_kind": "working"},
        "source": {"title": title, "document_number": "隰办发〔2026〕1号"},
    }


async def test_the_platform_default_is_stored_with_its_source(client, auth_for) -> None:
    response = await client.get(POLICIES, headers=auth_for("officer"))
    assert response.status_code == 200, response.text
    listed = response.json()["items"]
    assert [(p["issuer_unit_id"], p["effective_from"], p["values"]) for p in listed] == [
        (None, "2020-01-01", {"notify_days": 7, "day_kind": "calendar"})
    ]
    assert listed[0]["source"] == {"title": "示例办法（平台默认）", "document_number": "示例〔2020〕1号"}


async def test_two_issuers_and_a_new_version_apply_by_unit_and_date(app, client, auth_for, units, policies) -> None:
    """County C issues a version from today; township A its own from in ten days. A fact of
    A1 (below A) dated today follows C's; dated in ten days, A's; B (below C only) follows C
    whatever the date; a fact dated before any of them follows the platform default."""
    bureau = auth_for("justice_bureau", unit="C")
    now, later = today(), today() + timedelta(days=10)
    county = await client.post(POLICIES, json=version(units["C"], now, 10), headers=bureau)
    township = await client.post(POLICIES, json=version(units["A"], later, 15), headers=bureau)
    assert county.status_code == township.status_code == 201, (county.text, township.text)
    assert county.headers["location"] == f"{POLICIES}/{county.json()['id']}"
    default_id = (await client.get(POLICIES, params={"platform": "true"}, headers=bureau)).json()["items"][0]["id"]

    async with app.state.sessions() as session:
        cases = {
            ("A1", now): (county.json()["id"], 10),
            ("A1", later): (township.json()["id"], 15),
            ("A", later + timedelta(days=300)): (township.json()["id"], 15),
            ("B", later): (county.json()["id"], 10),
            ("B", now - timedelta(days=1)): (default_id, 7),
            ("A1", now - timedelta(days=1)): (default_id, 7),
        }
        for (unit, on), (policy_id, days) in cases.items():
            resolved = await resolve(session, policies, units[unit], on)
            assert (str(resolved.policy_id), resolved.values.notify_days) == (policy_id, days), (unit, on)

    one = await client.get(f"{POLICIES}/{township.json()['id']}", headers=auth_for("officer"))
    assert one.status_code == 200 and one.json()["values"] == {"notify_days": 15, "day_kind": "working"}


async def test_a_version_never_changes(app, client, auth_for, units, database) -> None:
    bureau = auth_for("justice_bureau", unit="C")
    first = await client.post(POLICIES, json=version(units["C"], today(), 10), headers=bureau)
    again = await client.post(POLICIES, json=version(units["C"], today(), 12, title="更正"), headers=bureau)
    assert again.status_code == 409 and again.json()["code"] == "policy.version_exists"
    connection = await asyncpg.connect(database.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for statement in ("UPDATE policy_versions SET values = '{}'", "DELETE FROM policy_versions"):
            with pytest.raises(asyncpg.RestrictViolationError):
                await connection.execute(statement)
    finally:
        await connection.close()
    assert (await client.get(f"{POLICIES}/{first.json()['id']}", headers=bureau)).json()["values"]["notify_days"] == 10


async def test_refusals_retroactive_unknown_unit_role_and_values(client, auth_for, units) -> None:
    bureau = auth_for("justice_bureau", unit="C")
    retroactive = await client.post(POLICIES, json=version(units["C"], today() - timedelta(days=1), 10), headers=bureau)
    assert retroactive.status_code == 422 and retroactive.json()["code"] == "policy.retroactive"
    unknown = await client.post(
        POLICIES, json=version("00000000-0000-0000-0000-000000000001", today(), 10), headers=bureau
    )
    assert unknown.status_code == 404
    officer = await client.post(POLICIES, json=version(units["A"], today(), 10), headers=auth_for("officer"))
    assert officer.status_code == 403
    bad = version(units["C"], today(), 0)
    invalid = await client.post(POLICIES, json=bad, headers=bureau)
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["loc"][-1] == "notify_days"


async def test_a_default_changed_in_place_is_refused_at_start_up(app, database, app_builder, policies) -> None:
    """Changing the seeds' wording without a new date would rewrite what was in force."""
    from dataclasses import replace

    from enforcement_common.policies import store_defaults

    changed = replace(
        policies,
        defaults=(replace(policies.defaults[0], values=policies.values_model(notify_days=5)),),
    )
    async with app.state.sessions() as session, session.begin():
        with pytest.raises(RuntimeError, match="a version never changes"):
            await store_defaults(session, changed)


async def test_a_value_added_to_the_model_later_keeps_the_stored_default(app, policies) -> None:
    """A field added to the values model with a default: the version stored before it (whose
    JSON lacks the field) still reads as the default in code, so start-up accepts it and its
    id stays the one facts already name."""
    from sqlalchemy import select, text

    from enforcement_common.policies import policy_versions, store_defaults

    async with app.state.sessions() as session, session.begin():
        before = (await session.execute(select(policy_versions.c.id, policy_versions.c["values"]))).one()
        # As stored by an older release whose model had no day_kind field yet (its default applies).
        older = {k: v for k, v in before.values.items() if k != "day_kind"}
        # Only a test rewrites a version (the trigger forbids it otherwise).
        await session.execute(text("ALTER TABLE policy_versions DISABLE TRIGGER policy_versions_immutable"))
        await session.execute(policy_versions.update().values(values=older))
        await session.execute(text("ALTER TABLE policy_versions ENABLE TRIGGER policy_versions_immutable"))
        await store_defaults(session, policies)
        after = (await session.execute(select(policy_versions.c.id))).scalars().all()
    assert after == [before.id]
