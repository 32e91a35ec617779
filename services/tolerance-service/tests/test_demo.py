"""make demo: the tolerance demo loads through the public API on the county case-service's
events made known, with every outcome, corrections and petitions; a re-run adds nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from tolerance_testing import COUNTY, UNIT, build_world

from enforcement_common.contracts.case import UnitCreated
from enforcement_common.testing.delivery import deliver
from tolerance_service.demo import County, Demo


@pytest.mark.timeout(120)
async def test_demo_loads_every_outcome_corrections_and_petitions_and_is_idempotent(app, client, jwt_secret) -> None:
    worlds = [await build_world(app)]
    for code, name in (("T2", "黄土镇"), ("T3", "午城镇")):
        unit = uuid.uuid4()
        await deliver(app, UnitCreated(unit_id=unit, code=code, name=name, kind="township", parent_id=COUNTY))
        worlds.append(await build_world(app, unit, name[:2]))
    county = County(
        county=str(COUNTY),
        townships=[str(w.unit) for w in worlds],
        officers={str(w.unit): [str(o) for o in w.officers] for w in worlds},
        cases={str(w.unit): [str(c) for c in w.cases] for w in worlds},
    )
    first = await Demo(client, jwt_secret, retry_seconds=0).load(county)
    assert first == {"policies": 1, "applications": 6, "petitions": 3}
    again = await Demo(client, jwt_secret, retry_seconds=0).load(county)
    assert again == {"policies": 0, "applications": 0, "petitions": 0}
    async with app.state.sessions() as session:
        outcomes = set((await session.execute(text("SELECT DISTINCT outcome FROM applications"))).scalars())
        corrections = dict((await session.execute(text("SELECT status, count(*) FROM corrections GROUP BY 1"))).all())
        extended = await session.scalar(text("SELECT count(*) FROM extension_requests WHERE status = 'approved'"))
        clarified = await session.scalar(text("SELECT count(*) FROM clarifications"))
        issuer = await session.scalar(
            text("SELECT issuer_unit_id FROM policy_versions WHERE issuer_unit_id IS NOT NULL")
        )
    assert outcomes == {"due_diligence", "exempted", "mitigated", "rejected", None}
    assert corrections == {"completed": 1, "open": 1} and extended == 1 and clarified == 1
    assert issuer == UNIT
