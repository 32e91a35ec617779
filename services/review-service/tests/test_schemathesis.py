"""schemathesis over review-service's OpenAPI, over real HTTP, with real PostgreSQL behind, on a
copy of the seeded world (real ids in paths and bodies): no 5xx for any generated request,
and every response as documented."""

from enforcement_common.testing.inherited import SeededSchemathesis


class TestSchemathesisOnTheSeededWorld(SeededSchemathesis):
    role_sets = (("admin",), ("legal_affairs", "justice_bureau", "unit_leader", "officer"))
    must_reach = frozenset(
        {
            "POST /api/v1/reviews",
            "POST /api/v1/inspections",
            "GET /api/v1/compliance",
            "POST /api/v1/summaries",
        }
    )
