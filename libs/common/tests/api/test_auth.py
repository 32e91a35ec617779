"""Bearer tokens, roles and unit scope on the example router (real PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import text

from enforcement_common.api.problems import ProblemError
from enforcement_common.auth.jwt import Caller, TokenVerifier
from enforcement_common.auth.scope import visible_units
from enforcement_common.auth.tokens import mint_token
from enforcement_common.config import LOCAL_JWT_SECRET
from enforcement_common.contracts.case import UnitCreated, UnitUpdated
from enforcement_common.events import add_event
from enforcement_common.testing.events import wait_for

NOTES = "/api/v1/notes"


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


async def assert_401(client: httpx.AsyncClient, headers: dict[str, str], code: str) -> None:
    response = await client.get(NOTES, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == code


async def test_valid_token_is_accepted(client, auth_for) -> None:
    assert (await client.get(NOTES, headers=auth_for("officer"))).status_code == 200


async def test_missing_and_malformed_tokens_are_401(client) -> None:
    await assert_401(client, {}, "auth.missing_token")
    await assert_401(client, {"Authorization": "Basic dXNlcjpwdw=="}, "auth.invalid_token")
    await assert_401(client, bearer("not-a-jwt"), "auth.invalid_token")
    await assert_401(client, {"Authorization": "Bearer "}, "auth.invalid_token")


async def test_alg_none_is_refused(client, token_for, jwt_secret) -> None:
    claims = jwt.decode(token_for("admin", unit=None), jwt_secret, algorithms=["HS256"])
    unsigned = jwt.encode(claims, None, algorithm="none")
    await assert_401(client, bearer(unsigned), "auth.invalid_token")


@pytest.mark.filterwarnings(
    "ignore::jwt.warnings.InsecureKeyLengthWarning"
)  # the forgery uses a short HS512 key on purpose
async def test_another_algorithm_is_refused_even_with_the_right_secret(client, token_for, jwt_secret) -> None:
    claims = jwt.decode(token_for("admin", unit=None), jwt_secret, algorithms=["HS256"])
    await assert_401(client, bearer(jwt.encode(claims, jwt_secret, algorithm="HS512")), "auth.invalid_token")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    await assert_401(client, bearer(jwt.encode(claims, key, algorithm="RS256")), "auth.invalid_token")


async def test_wrong_secret_expired_and_missing_claims_are_401(client, token_for) -> None:
    await assert_401(
        client, bearer(token_for("officer", secret="another-secret-of-sufficient-length-000")), "auth.invalid_token"
    )
    past = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())
    await assert_401(client, bearer(token_for("officer", exp=past)), "auth.token_expired")
    await assert_401(client, bearer(token_for("officer", drop=("exp",))), "auth.invalid_token")  # exp is required
    await assert_401(client, bearer(token_for("officer", drop=("sub",))), "auth.invalid_token")
    await assert_401(client, bearer(token_for("officer", drop=("roles",))), "auth.invalid_claims")
    await assert_401(client, bearer(token_for("officer", roles=[])), "auth.invalid_claims")
    await assert_401(client, bearer(token_for("officer", roles=["superuser"])), "auth.invalid_claims")
    await assert_401(client, bearer(token_for("officer", unit_id="not-a-uuid")), "auth.invalid_claims")
    await assert_401(
        client, bearer(token_for("officer", unit=None)), "auth.invalid_claims"
    )  # unit_id only optional for admin


async def test_issuer_and_audience_are_checked_when_configured(database, app_builder, token_for) -> None:
    app = app_builder(database, auth_jwt_issuer="https://idp.example", auth_jwt_audience="enforcement")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            good = token_for("officer", iss="https://idp.example", aud="enforcement")
            assert (await client.get(NOTES, headers=bearer(good))).status_code == 200
            await assert_401(
                client,
                bearer(token_for("officer", iss="https://evil.example", aud="enforcement")),
                "auth.invalid_token",
            )
            await assert_401(
                client, bearer(token_for("officer", iss="https://idp.example", aud="other")), "auth.invalid_token"
            )
            await assert_401(client, bearer(token_for("officer")), "auth.invalid_token")


def test_rs256_with_jwks_accepts_its_keys_only() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwks = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        verifier = TokenVerifier(jwks_url=f"http://127.0.0.1:{server.server_port}/jwks.json")
        claims = {
            "sub": "u1",
            "roles": ["auditor"],
            "unit_id": str(uuid.uuid4()),
            "exp": int(datetime.now(UTC).timestamp()) + 600,
        }
        caller = verifier.verify(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"}))
        assert caller.roles == frozenset({"auditor"})
        # HS256 signed with the public key (algorithm confusion) and an unknown key are refused.
        with pytest.raises(ProblemError):
            verifier.verify(jwt.encode(claims, "x" * 64, algorithm="HS256", headers={"kid": "k1"}))
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with pytest.raises(ProblemError):
            verifier.verify(jwt.encode(claims, other, algorithm="RS256", headers={"kid": "k1"}))
    finally:
        server.shutdown()


async def test_rs256_key_fetch_never_blocks_the_event_loop() -> None:
    """The JWK set is fetched over HTTP (cache expired, new key id): in a worker thread, so a
    slow identity provider delays the requests that need the key, not every other one."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwks = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    fetches = []

    class SlowHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fetches.append(self.path)
            time.sleep(0.5)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), SlowHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    try:
        verifier = TokenVerifier(jwks_url=f"http://127.0.0.1:{server.server_port}/jwks.json")
        claims = {"sub": "u1", "roles": ["auditor"], "unit_id": str(uuid.uuid4()), "exp": int(time.time()) + 600}
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        running = asyncio.create_task(ticker())
        caller = await verifier.verify_header_async(f"Bearer {token}")
        running.cancel()
        assert caller.sub == "u1"
        assert ticks >= 20, f"the loop ran only {ticks} times during a 0.5 s key fetch"
        # Then the cached set answers, in the loop, without fetching again.
        assert (await verifier.verify_header_async(f"Bearer {token}")).sub == "u1" and len(fetches) == 1
        with pytest.raises(ProblemError) as refused:
            await verifier.verify_header_async("Bearer not-a-jwt")
        assert refused.value.code == "auth.invalid_token"
    finally:
        server.shutdown()


def test_make_token_output_passes_this_verifier() -> None:
    unit = str(uuid.uuid4())
    caller = TokenVerifier(secret=LOCAL_JWT_SECRET).verify(
        mint_token(roles=["officer"], unit_id=unit, secret=LOCAL_JWT_SECRET)
    )
    assert caller.unit_id == uuid.UUID(unit) and caller.roles == {"officer"}


async def test_role_not_allowed_is_403(client, auth_for, units) -> None:
    response = await client.post(NOTES, json={"unit_id": str(units["A"]), "title": "x"}, headers=auth_for("auditor"))
    assert response.status_code == 403 and response.json()["code"] == "auth.forbidden"


async def test_scope_siblings_cannot_see_each_other_parent_sees_both(client, make_note, auth_for) -> None:
    in_a = (await make_note("A 的案卷", unit="A", as_unit="A")).json()
    in_a1 = (await make_note("A1 的案卷", unit="A1", as_unit="A")).json()  # a unit below A
    in_b = (await make_note("B 的案卷", unit="B", as_unit="B")).json()

    async def titles(headers) -> set[str]:
        return {n["title"] for n in (await client.get(NOTES, headers=headers)).json()["items"]}

    assert await titles(auth_for("officer", unit="A")) == {"A 的案卷", "A1 的案卷"}
    assert await titles(auth_for("officer", unit="B")) == {"B 的案卷"}
    assert await titles(auth_for("officer", unit="A1")) == {"A1 的案卷"}
    assert await titles(auth_for("unit_leader", unit="C")) == {"A 的案卷", "A1 的案卷", "B 的案卷"}  # the parent
    assert await titles(auth_for("justice_bureau", unit="B")) == {"A 的案卷", "A1 的案卷", "B 的案卷"}  # county role
    assert await titles(auth_for("admin", unit=None)) == {"A 的案卷", "A1 的案卷", "B 的案卷"}

    # Outside scope: 404 for reading, acting, and creating — never 403 with data.
    for note in (in_a, in_a1):
        read = await client.get(f"{NOTES}/{note['id']}", headers=auth_for("officer", unit="B"))
        assert read.status_code == 404 and read.json()["code"] == "resource.not_found"
    patch = await client.patch(
        f"{NOTES}/{in_b['id']}", json={"title": "x"}, headers={**auth_for("officer", unit="A"), "If-Match": '"1"'}
    )
    assert patch.status_code == 404
    create = await client.post(
        NOTES, json={"unit_id": in_b["unit_id"], "title": "x"}, headers=auth_for("officer", unit="A")
    )
    assert create.status_code == 404
    assert (await client.get(f"{NOTES}/{in_b['id']}", headers=auth_for("unit_leader", unit="C"))).status_code == 200


async def test_unit_tree_is_fed_by_unit_events_through_kafka(database, app_builder, kafka_bootstrap_servers) -> None:
    """The tree read model comes from case-service's unit.* events on the real broker."""
    app = app_builder(database, run_workers=True)
    root, child, moved = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with app.router.lifespan_context(app):
        async with app.state.sessions() as session, session.begin():
            await add_event(
                session,
                UnitCreated(unit_id=root, code=f"R{root.hex[:6]}", name="县", kind="county", parent_id=None),
                source="case-service",
            )
            await add_event(
                session,
                UnitCreated(unit_id=child, code=f"C{child.hex[:6]}", name="乡", kind="township", parent_id=root),
                source="case-service",
            )
            await add_event(
                session,
                UnitCreated(unit_id=moved, code=f"M{moved.hex[:6]}", name="股", kind="section", parent_id=None),
                source="case-service",
            )
            await add_event(
                session,
                UnitUpdated(unit_id=moved, code=f"M{moved.hex[:6]}", name="股", kind="section", parent_id=child),
                source="case-service",
            )

        async def tree_ready() -> bool:
            # Each unit is its own key, so its events may arrive in any order relative to the others'.
            async with app.state.sessions() as session:
                rows = dict((await session.execute(text("SELECT unit_id, parent_id FROM unit_tree"))).all())
            return rows.get(moved) == child and rows.get(child) == root and root in rows

        await wait_for(tree_ready, 60, "unit tree from events")
        async with app.state.sessions() as session:
            caller = Caller(sub="s", name="", roles=frozenset({"officer"}), unit_id=root, officer_id=None)
            assert await visible_units(session, caller) == {root, child, moved}
