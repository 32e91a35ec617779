"""Test helpers for the repo-started PostgreSQL and Kafka (used by every service's tests).

``make test`` starts the *test* instance (deploy/local, INSTANCE=test) and exports
its addresses; these helpers read them, falling back to the test instance's
default ports, never to the developer's ``make run`` databases.

The shared test kit (CONTRIBUTING.md, "Tests"):

* ``databases`` — the migrations run once per session into a template; each test gets a copy
  (``CREATE DATABASE … TEMPLATE``), dropped afterwards; seeded templates for populated worlds;
* ``kit`` — ``ServiceTestKit`` (a service's fixtures from its ``create_app`` and settings),
  ``headers(*roles, unit=, officer=)``, ``Seeded``;
* ``delivery`` — ``deliver`` through the real inbox, ``apply_without_inbox``, ``snapshot``;
* ``outbox`` — ``assert_outbox_matches_schemas``;
* ``authz`` and ``openapi`` — the authorization matrix generated from the OpenAPI document;
* ``inherited`` — the tests every service inherits (matrix, seeded schemathesis, replays);
* ``live`` — an app over real HTTP and schemathesis; ``infra``, ``events``, ``fixtures``,
  ``service_checks`` — servers, event-flow helpers, the pytest plugin, ops-endpoint checks.
"""

#: The helpers, one module each (imported on use: they need pytest and the test instance).
__all__ = ["catalogue", "events", "fixtures", "infra", "live", "service_checks"]
