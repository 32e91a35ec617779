"""Fixtures of accountability-service's tests, from the shared test kit (enforcement_common.testing.kit):
a database copied from the session's migrated template per test, the app in process, and
a seeded world of two sibling townships for the inherited checks."""

from accountability_service.config import Settings
from accountability_service.main import create_app
from enforcement_common.testing.kit import ServiceTestKit, seed_sibling_units

kit = ServiceTestKit(
    create_app=create_app, settings_class=Settings, package="accountability_service", seed=seed_sibling_units
)
globals().update(kit.fixtures())
