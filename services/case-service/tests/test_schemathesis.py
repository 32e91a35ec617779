"""schemathesis over case-service's OpenAPI, over real HTTP, with real PostgreSQL behind, on a
copy of the seeded world (real ids in paths and bodies): no 5xx for any generated request,
and every response as documented."""

from enforcement_common.testing.inherited import SeededSchemathesis


class TestSchemathesisOnTheSeededWorld(SeededSchemathesis):
    role_sets = (("admin",), ("officer", "legal_affairs", "unit_leader", "platform"))
    must_reach = frozenset({"POST /api/v1/cases", "POST /api/v1/cases:import", "POST /api/v1/cases/{case_id}/decision"})
