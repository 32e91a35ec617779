"""What case-service's routes declare: who may call them, the settings, the conflicts they document."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from case_service.config import Settings
from enforcement_common.api.routing import app_settings, problem
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller

#: The platform role (省级平台): the bulk import, and the one caller that may date a filing
#: before the back-dating window (CASE-3).
IMPORT_ROLE = "platform"

AnyCaller = Annotated[Caller, Depends(require_roles())]
AdminCaller = Annotated[Caller, Depends(require_roles("admin"))]
OfficerManager = Annotated[Caller, Depends(require_roles("admin", "unit_leader"))]
QualificationAuthority = Annotated[Caller, Depends(require_roles("admin", "justice_bureau"))]
CaseFiler = Annotated[Caller, Depends(require_roles("officer", "unit_leader", IMPORT_ROLE))]
CaseActor = Annotated[Caller, Depends(require_roles("officer", "legal_affairs", "unit_leader"))]
LegalAffairs = Annotated[Caller, Depends(require_roles("legal_affairs"))]
Platform = Annotated[Caller, Depends(require_roles(IMPORT_ROLE))]
#: Who reads the owner's counts for reconciliation (GET /cases:counts, STAT-7).
CountsReader = Annotated[Caller, Depends(require_roles("justice_bureau", "auditor"))]

SettingsDep = Annotated[Settings, Depends(app_settings)]

CONFLICTS = {
    409: problem("Out of order (allowed_actions lists what is possible)"),
    412: problem("Changed since read (If-Match)"),
    428: problem("If-Match required"),
}
