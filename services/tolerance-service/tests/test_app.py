"""tolerance-service: the application serves its ops endpoints and migrates its own database."""

from enforcement_common.testing.service_checks import ServiceAppChecks
from tolerance_service.config import Settings
from tolerance_service.main import create_app


class TestServiceApp(ServiceAppChecks):
    settings_class = Settings
    package = "tolerance_service"
    app_factory = staticmethod(create_app)
