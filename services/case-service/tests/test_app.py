"""case-service: the application serves its ops endpoints and migrates its own database."""

from case_service.config import Settings
from case_service.main import create_app
from enforcement_common.testing.service_checks import ServiceAppChecks


class TestServiceApp(ServiceAppChecks):
    settings_class = Settings
    package = "case_service"
    app_factory = staticmethod(create_app)
