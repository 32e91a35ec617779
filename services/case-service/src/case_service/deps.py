"""What case-service's routes declare: who may call them, the settings, the conflicts they document."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from case_service.config import Settings
from enforcement_common.api.routing import app_settings, problem
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller

AnyCaller = Annotated[Caller, Depends(require_roles())]
AdminCaller = Annotated[Caller, Depends(require_roles("admin"))]
OfficerManager = Annotated[Caller, Depends(require_roles("admin", "unit_leader"))]
QualificationAuthority = Annotated[Caller, Depends(require_roles("admin", "justice_bureau"))]
CaseFiler = Annotated[Caller, Depends(require_roles("officer", "unit_leader", "platform"))]
CaseActor = Annotated[Caller, Depends(require_roles("officer", "legal_affairs", "unit_leader"))]
LegalAffairs = Annotated[Caller, Depends(require_roles("legal_affairs"))]
Platform = Annotated[Caller, Depends(require_roles("platform"))]

SettingsDep = Annotated[Settings, Depends(app_settings)]

CONFLICTS = {
    409: problem("Out of order (allowed_actions lists what is possible)"),
    412: problem("Changed since read (If-Match)"),
    428: problem("If-Match required"),
}
