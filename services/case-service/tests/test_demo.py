"""make demo: the demo county loads through the public API, and a re-run adds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from case_service.demo import STAGES, TITLES, Demo


@pytest.mark.timeout(300)
async def test_demo_loads_every_category_and_stage_and_is_idempotent(client, app, jwt_secret) -> None:
    first = await Demo(client, jwt_secret, cases=300).load()
    assert first == {"units": 8, "officers": 44, "cases": 300}
    again = await Demo(client, jwt_secret, cases=300).load()
    assert again == {"units": 0, "officers": 0, "cases": 0}
    async with app.state.sessions() as session:
        statuses = set((await session.execute(text("SELECT DISTINCT status FROM cases"))).scalars())
        categories = set((await session.execute(text("SELECT DISTINCT category FROM cases"))).scalars())
        counts = (
            await session.execute(
                text(
                    "SELECT count(*), count(hearing_held_on), count(fine_amount), (SELECT count(*) FROM legal_remedies) FROM cases"
                )
            )
        ).one()
        officers = dict(
            (
                await session.execute(
                    text(
                        "SELECT coalesce(certificate_expires_on < current_date, true), count(*) FROM officers GROUP BY 1"
                    )
                )
            ).all()
        )
    assert statuses == set(STAGES) and categories == set(TITLES)
    total, hearings, fines, remedies = counts
    assert total == 300 and hearings > 0 and fines > 0 and remedies > 0
    assert officers.get(True, 0) >= 2, "a few officers are uncertified or expired"
