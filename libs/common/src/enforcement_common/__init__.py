"""Shared building blocks of the enforcement-supervision platform's services.

One subpackage or module per capability (settings, database, Kafka topics,
health, errors, observability, auth, CLI, testing). Nothing here holds a domain
rule of a single service.
"""
