"""Test helpers for the repo-started PostgreSQL and Kafka (used by every service's tests).

``make test`` starts the *test* instance (deploy/local, INSTANCE=test) and exports
its addresses; these helpers read them, falling back to the test instance's
default ports, never to the developer's ``make run`` databases.
"""

#: The helpers, one module each (imported on use: they need pytest and the test instance).
__all__ = ["catalogue", "events", "fixtures", "infra", "live", "service_checks"]
