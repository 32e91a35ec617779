"""tolerance-service on the seeded world (two sibling townships): the authorization matrix over
every operation and role, schemathesis over its OpenAPI, the seed's events replayed."""

from enforcement_common.testing.inherited import SeededSchemathesis, SeededWorldChecks


class TestSeededWorld(SeededWorldChecks):
    pass


class TestSchemathesisOnTheSeededWorld(SeededSchemathesis):
    role_sets = (("admin",), ("auditor", "officer"), ("legal_affairs", "party_committee", "discipline"))
    must_reach = frozenset({"POST /api/v1/applications", "POST /api/v1/petitions"})
