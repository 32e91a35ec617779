"""The platform's own Alembic chain: tables every service has that libs/common defines
(policy versions, the published holiday calendar …). It runs before each service's own
chain, with its own version table (``platform_alembic_version``), so a new platform
table is one revision here rather than one per service."""
