"""The hash-chained audit log: recorded requests, auditor API, tamper detection."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
from sqlalchemy.exc import IntegrityError

from enforcement_common.audit import AUDIT_LOCK, AuditEntry, AuditWriter

AUDIT = "/api/v1/audit"


def libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def test_every_mutating_request_is_recorded_with_its_outcome(client, make_note, auth_for, units) -> None:
    created = await make_note("audited", **{"X-Correlation-ID": "audit-corr-1"})
    note_id = created.json()["id"]
    await client.patch(
        f"/api/v1/notes/{note_id}", json={"title": "v2"}, headers={**auth_for("officer"), "If-Match": '"9"'}
    )
    await client.post("/api/v1/notes", json={"unit_id": str(units["A"]), "title": "x"})  # no token: 401, still recorded
    await client.get("/api/v1/notes", headers=auth_for("officer"))  # a read: not recorded

    page = await client.get(AUDIT, headers=auth_for("auditor"))
    assert page.status_code == 200
    rows = page.json()["items"]
    assert [(r["method"], r["path"], r["status"]) for r in rows] == [
        ("POST", "/api/v1/notes", 201),
        ("PATCH", f"/api/v1/notes/{note_id}", 412),
        ("POST", "/api/v1/notes", 401),
    ]
    first = rows[0]
    assert first["actor"] == "user-officer-A" and first["roles"] == ["officer"] and first["unit_id"] == str(units["A"])
    assert first["resource_id"] == note_id and first["correlation_id"] == "audit-corr-1"
    assert rows[1]["resource_id"] == note_id and rows[2]["actor"] is None
    assert rows[1]["prev_hash"] == rows[0]["hash"] and rows[2]["prev_hash"] == rows[1]["hash"]

    filtered = await client.get(AUDIT, params={"method": "PATCH", "resource_id": note_id}, headers=auth_for("auditor"))
    assert [r["status"] for r in filtered.json()["items"]] == [412]


async def test_a_path_the_app_protects_records_the_request_without_its_actor(app, client, make_note, auth_for) -> None:
    app.state.audit_actor_withheld = ("/api/v1/notes",)
    created = await make_note("protected")
    refused = await client.patch(
        f"/api/v1/notes/{created.json()['id']}",
        json={"title": "v2"},
        headers={**auth_for("officer"), "If-Match": '"9"'},
    )
    assert refused.status_code == 412
    rows = (await client.get(AUDIT, headers=auth_for("auditor"))).json()["items"]
    assert [(r["actor"], r["actor_name"], r["status"]) for r in rows] == [
        ("withheld", None, 201),
        ("withheld", None, 412),
    ]
    assert rows[0]["roles"] == ["officer"] and rows[0]["resource_id"] == created.json()["id"]
    assert (await client.get(f"{AUDIT}/verify", headers=auth_for("auditor"))).json()["valid"]


async def test_only_auditors_read_the_audit_log(client, auth_for) -> None:
    for role in ("officer", "admin", "justice_bureau"):
        assert (await client.get(AUDIT, headers=auth_for(role, unit="C"))).status_code == 403
        assert (await client.get(f"{AUDIT}/verify", headers=auth_for(role, unit="C"))).status_code == 403
    assert (await client.get(AUDIT)).status_code == 401


async def test_concurrent_writers_never_fork_the_chain(client, make_note, auth_for) -> None:
    await asyncio.gather(*(make_note(f"c{i}") for i in range(30)))
    report = (await client.get(f"{AUDIT}/verify", headers=auth_for("auditor"))).json()
    assert report == {"valid": True, "count": 30, "first_bad_id": None, "reason": None}


async def test_the_table_refuses_updates_and_deletes(app, make_note, database) -> None:
    await make_note("x")
    connection = await asyncpg.connect(libpq(database))
    try:
        for statement in ("UPDATE audit_log SET status = 200", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            try:
                await connection.execute(statement)
            except asyncpg.RaiseError as exc:
                assert "append-only" in str(exc)
            else:
                raise AssertionError(f"{statement} was allowed")
    finally:
        await connection.close()


async def _tamper(database: str, statement: str) -> None:
    """What someone with the database superuser's rights could do: bypass the trigger."""
    connection = await asyncpg.connect(libpq(database))
    try:
        async with connection.transaction():
            await connection.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            await connection.execute(statement)
            await connection.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    finally:
        await connection.close()


async def test_verify_names_exactly_the_edited_row(client, make_note, auth_for, database) -> None:
    for i in range(6):
        await make_note(f"n{i}")
    ids = [r["id"] for r in (await client.get(AUDIT, headers=auth_for("auditor"))).json()["items"]]
    await _tamper(database, f"UPDATE audit_log SET status = 200 WHERE id = {ids[3]}")
    report = (await client.get(f"{AUDIT}/verify", headers=auth_for("auditor"))).json()
    assert report["valid"] is False and report["first_bad_id"] == ids[3]
    assert report["reason"] == "content does not match its hash"


async def test_verify_detects_a_deleted_row_at_its_successor(client, make_note, auth_for, database) -> None:
    for i in range(6):
        await make_note(f"n{i}")
    ids = [r["id"] for r in (await client.get(AUDIT, headers=auth_for("auditor"))).json()["items"]]
    await _tamper(database, f"DELETE FROM audit_log WHERE id = {ids[2]}")
    report = (await client.get(f"{AUDIT}/verify", headers=auth_for("auditor"))).json()
    assert report["valid"] is False and report["first_bad_id"] == ids[3]
    assert report["reason"].startswith("link broken")


async def test_verify_detects_a_rewritten_hash_chain_tail(client, make_note, auth_for, database) -> None:
    """Editing a row and recomputing only its own hash still breaks the next link."""
    for i in range(4):
        await make_note(f"n{i}")
    ids = [r["id"] for r in (await client.get(AUDIT, headers=auth_for("auditor"))).json()["items"]]
    await _tamper(database, f"UPDATE audit_log SET hash = repeat('a', 64) WHERE id = {ids[1]}")
    report = (await client.get(f"{AUDIT}/verify", headers=auth_for("auditor"))).json()
    assert report["first_bad_id"] == ids[1]


def _entry(status: int, path: str = "/x") -> AuditEntry:
    return AuditEntry(
        at=datetime.now(UTC), actor="a", actor_name="", roles=[], unit_id=None, method="POST",
        path=path, resource_id=None, status=status, correlation_id=None,
    )  # fmt: skip


async def _hold_chain_lock(database: str):
    connection = await asyncpg.connect(libpq(database))
    transaction = connection.transaction()
    await transaction.start()
    await connection.execute("SELECT pg_advisory_xact_lock($1)", AUDIT_LOCK)
    return connection, transaction


def _count_batches(writer: AuditWriter) -> list[int]:
    """The size of each group the writer appends, as it appends them."""
    batches: list[int] = []
    write = writer._write

    async def counting_write(batch):
        batches.append(len(batch))
        await write(batch)

    writer._write = counting_write
    return batches


async def test_refusals_finishing_together_share_one_chain_append(app, client, auth_for) -> None:
    """Group commit: refusals (which changed nothing, so are recorded after the answer) are
    appended by the chain's single writer in one transaction per group, so concurrent
    requests do not take turns one commit at a time. (Writes are recorded inside their own
    transaction — test_atomic_writes.)"""
    writer = app.state.audit_writer
    batches = _count_batches(writer)
    responses = await asyncio.gather(*(client.post("/api/v1/refusals", headers=auth_for("officer")) for _ in range(40)))
    assert all(r.status_code == 409 for r in responses)
    assert sum(batches) == 40 and len(batches) < 40, batches
    report = (await client.get(f"{AUDIT}/verify", headers=auth_for("auditor"))).json()
    assert report == {"valid": True, "count": 40, "first_bad_id": None, "reason": None}


async def test_a_failed_group_append_fails_every_request_of_the_group(app, database) -> None:
    writer = AuditWriter(app.state.engine)
    batches = _count_batches(writer)

    # Hold the chain's lock: the first append waits in the database, five more queue behind it…
    connection, transaction = await _hold_chain_lock(database)
    first = asyncio.ensure_future(writer.append(_entry(201)))
    await asyncio.sleep(0.3)
    group = [asyncio.ensure_future(writer.append(_entry(200 + i))) for i in range(5)]
    await asyncio.sleep(0.1)
    # …and by the time they write, the table refuses every row.
    await connection.execute("ALTER TABLE audit_log ADD CONSTRAINT refuse_all CHECK (status < 0) NOT VALID")
    await transaction.commit()
    await connection.close()
    outcomes = await asyncio.gather(first, *group, return_exceptions=True)
    assert batches == [1, 5]
    assert all(isinstance(outcome, IntegrityError) for outcome in outcomes), outcomes


async def test_an_entry_the_database_refuses_costs_only_itself(app, database, client, auth_for) -> None:
    writer = AuditWriter(app.state.engine)
    connection = await asyncpg.connect(libpq(database))
    try:
        await connection.execute("ALTER TABLE audit_log ADD CONSTRAINT no_teapots CHECK (status <> 418) NOT VALID")
    finally:
        await connection.close()
    connection, transaction = await _hold_chain_lock(database)
    first = asyncio.ensure_future(writer.append(_entry(200)))
    await asyncio.sleep(0.2)
    group = [asyncio.ensure_future(writer.append(_entry(status))) for status in (201, 418, 202)]
    await asyncio.sleep(0.1)
    await transaction.commit()
    await connection.close()
    outcomes = await asyncio.gather(first, *group, return_exceptions=True)
    assert [type(o).__name__ for o in outcomes] == ["NoneType", "NoneType", "IntegrityError", "NoneType"]
    report = (await client.get(f"{AUDIT}/verify", headers=auth_for("auditor"))).json()
    assert report == {"valid": True, "count": 3, "first_bad_id": None, "reason": None}


async def test_a_writer_cancelled_mid_write_loses_no_entry_and_blocks_no_one(app, database, client, auth_for) -> None:
    writer = AuditWriter(app.state.engine)
    connection, transaction = await _hold_chain_lock(database)
    cancelled = asyncio.ensure_future(writer.append(_entry(200)))  # takes its batch, waits in the database
    await asyncio.sleep(0.2)
    waiting = asyncio.ensure_future(writer.append(_entry(201)))
    await asyncio.sleep(0.1)
    cancelled.cancel()  # the client went away
    await asyncio.sleep(0.1)
    await transaction.commit()
    await connection.close()
    await asyncio.wait_for(waiting, 10)
    rows = (await client.get(AUDIT, headers=auth_for("auditor"))).json()["items"]
    assert [r["status"] for r in rows] == [200, 201], "the cancelled request's entry is recorded too"


async def test_a_path_with_nul_is_recorded_with_a_replacement_character(client, auth_for) -> None:
    response = await client.post("/api/v1/no%00such")
    assert response.status_code in (401, 404)
    rows = (await client.get(AUDIT, headers=auth_for("auditor"))).json()["items"]
    assert [r["path"] for r in rows] == ["/api/v1/no\ufffdsuch"]


async def test_an_entry_linked_by_postgresql_hashes_as_the_chain_is_verified(client, auth_for, units) -> None:
    """Efficiency (issue 11): a route's entry is linked to the head and hashed by PostgreSQL in
    one statement; the hash is the chain's own (verify recomputes it in Python), also for an
    actor's name outside ASCII and a refusal recorded beside it by the middleware."""
    for title in ("案卷一", "案卷二"):
        created = await client.post(
            "/api/v1/notes",
            json={"unit_id": str(units["A"]), "title": title},
            headers=auth_for("officer", name="张三·执法员"),
        )
        assert created.status_code == 201, created.text
    await client.post("/api/v1/notes", json={"unit_id": str(units["A"]), "title": "x"})  # 401: the middleware's
    rows = (await client.get(AUDIT, headers=auth_for("auditor"))).json()["items"]
    assert [r["actor_name"] for r in rows[:2]] == ["张三·执法员", "张三·执法员"]
    assert rows[1]["prev_hash"] == rows[0]["hash"] and rows[2]["prev_hash"] == rows[1]["hash"]
    report = (await client.get(f"{AUDIT}/verify", headers=auth_for("auditor"))).json()
    assert report == {"valid": True, "count": 3, "first_bad_id": None, "reason": None}
