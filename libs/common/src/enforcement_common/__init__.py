"""Shared building blocks of the enforcement-supervision platform's services.

One subpackage or module per capability (settings, database, Kafka topics,
health, errors, observability, auth, CLI, testing). Nothing here holds a domain
rule of a single service.
"""

#: The capabilities, one module or subpackage each; each states its own public names in ``__all__``.
__all__ = [
    "api",
    "app",
    "audit",
    "auth",
    "calendar",
    "cli",
    "config",
    "contracts",
    "db",
    "directory",
    "events",
    "health",
    "migrations",
    "observability",
    "testing",
    "topics",
]
