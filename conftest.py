"""Root conftest: the shared fixtures for the repo-started test PostgreSQL and Kafka."""

pytest_plugins = ["enforcement_common.testing.fixtures"]
