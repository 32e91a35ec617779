"""A page of cases is read in a fixed number of queries, whatever its size (no N+1)."""

from __future__ import annotations

from sqlalchemy import event


async def test_a_page_of_cases_costs_the_same_queries_for_2_or_12_cases(world, client, app) -> None:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    async def page_cost(limit: int) -> int:
        statements.clear()
        event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
        try:
            response = await client.get(f"/api/v1/cases?limit={limit}", headers=world.as_officer("T1"))
        finally:
            event.remove(app.state.engine.sync_engine, "before_cursor_execute", count)
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == limit
        assert all(item["deadlines"] for item in response.json()["items"])
        return len(statements)

    for _ in range(12):
        await world.file()
    assert await page_cost(2) == await page_cost(12)
