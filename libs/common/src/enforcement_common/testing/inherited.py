"""Tests every service inherits, run on its seeded world (the kit's ``seed``).

A service's tests declare them with one class each, using the fixtures of its
:class:`~enforcement_common.testing.kit.ServiceTestKit`::

    class TestSeededWorld(SeededWorldChecks):
        pass

    class TestSchemathesis(SeededSchemathesis):
        must_reach = {"POST /api/v1/cases"}
"""

from __future__ import annotations

from typing import ClassVar

import httpx
import pytest
from fastapi import FastAPI

from enforcement_common.auth.tokens import ROLES
from enforcement_common.testing.authz import authorization_matrix, readable_in_scope
from enforcement_common.testing.delivery import apply_without_inbox, service_tables, snapshot
from enforcement_common.testing.kit import Seeded, ServiceTestKit
from enforcement_common.testing.live import run_schemathesis
from enforcement_common.testing.outbox import assert_outbox_matches_schemas


class SeededWorldChecks:
    """The authorization matrix, and the seeded world's events checked both ways."""

    @pytest.mark.parametrize("role", ROLES)
    async def test_authorization_matrix_no_operation_gives_a_caller_the_objects_of_a_sibling_unit(
        self,
        service_kit: ServiceTestKit,
        seeded_app: FastAPI,
        seeded_client: httpx.AsyncClient,
        seed: Seeded,
        role: str,
    ) -> None:
        calls = await authorization_matrix(service_kit, seeded_app, seeded_client, seed, role)
        findings = [str(call) for call in calls if call.finding]
        assert not findings, f"{role} of the home unit:\n" + "\n".join(findings)
        assert calls, "the OpenAPI document has no secured operation"

    async def test_every_object_the_seed_names_is_readable_in_its_own_unit_and_county_wide(
        self, service_kit: ServiceTestKit, seeded_app: FastAPI, seeded_client: httpx.AsyncClient, seed: Seeded
    ) -> None:
        calls = await readable_in_scope(service_kit, seeded_client, seeded_app.openapi(), seed)
        findings = [str(call) for call in calls if call.finding]
        assert not findings, "\n".join(findings)
        assert set(seed.units) == {"home", "sibling"} and seed.units["home"] != seed.units["sibling"]

    async def test_every_event_the_seed_wrote_to_the_outbox_matches_its_published_schema(
        self, seeded_app: FastAPI
    ) -> None:
        await assert_outbox_matches_schemas(seeded_app)

    async def test_every_event_the_seed_consumed_changes_nothing_applied_again_without_the_inbox(
        self, seeded_app: FastAPI, seed: Seeded
    ) -> None:
        """Handlers are idempotent on state, not only through the inbox: the seed's whole event
        history applied once more, in order and without the inbox, changes no table."""
        tables = await service_tables(seeded_app)
        before = await snapshot(seeded_app, *tables)
        for envelope in seed.delivered:
            await apply_without_inbox(seeded_app, envelope)
        after = await snapshot(seeded_app, *tables)
        changed = {table: (before[table], after[table]) for table in tables if before[table] != after[table]}
        assert not changed, "applied again without the inbox, the seed's events changed:\n" + "\n".join(
            f"{table}: {sorted(set(b) ^ set(a), key=str)[:6]}" for table, (b, a) in changed.items()
        )


class SeededSchemathesis:
    """schemathesis over the service's OpenAPI, over real HTTP, against a copy of the seeded
    database, with valid tokens of the home unit; real ids are steered into parameters and
    bodies, so actions reach business states. No 5xx, every response as documented."""

    #: Role sets to run with (a token each); subclasses may change them.
    role_sets: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("admin",),
        ("officer", "legal_affairs", "unit_leader", "platform"),
    )
    #: Operations that must have been exercised ("METHOD /path").
    must_reach: ClassVar[frozenset[str]] = frozenset()
    max_examples: ClassVar[int] = 25

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "roles" in metafunc.fixturenames:
            sets = metafunc.cls.role_sets
            metafunc.parametrize("roles", sets, ids=["+".join(roles) for roles in sets])

    @pytest.mark.timeout(900)
    def test_no_5xx_and_responses_as_documented(self, service_kit: ServiceTestKit, roles: tuple[str, ...]) -> None:
        with service_kit.serve_seeded() as (base_url, seeded):
            headers = service_kit.headers(*roles, unit=seeded.units["home"], officer=seeded.officers.get("home"))
            ran = run_schemathesis(base_url, headers, max_examples=self.max_examples, pools=_pools(seeded))
        assert self.must_reach <= set(ran), sorted(self.must_reach - set(ran))


def _pools(seeded: Seeded) -> dict[str, list[str]]:
    names = set(seeded.pools) | {name for ids in seeded.ids.values() for name in ids}
    return {name: seeded.pool(name) for name in names}
