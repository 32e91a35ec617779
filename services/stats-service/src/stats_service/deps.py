"""What stats-service's routes declare: who may call them, the settings, the conflicts they document."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from enforcement_common.api.routing import app_settings, problem
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller
from stats_service.config import Settings

AnyCaller = Annotated[Caller, Depends(require_roles())]
#: Who freezes and submits reports (司法局 and the unit's leadership, STAT-2/STAT-4).
ReportWriter = Annotated[Caller, Depends(require_roles("justice_bureau", "unit_leader", "legal_affairs"))]
Submitter = Annotated[Caller, Depends(require_roles("justice_bureau", "unit_leader"))]
#: Rebuild and reconciliation: operators and auditors.
Operator = Annotated[Caller, Depends(require_roles("admin"))]
Auditor = Annotated[Caller, Depends(require_roles("admin", "justice_bureau", "auditor"))]

SettingsDep = Annotated[Settings, Depends(app_settings)]

CONFLICT = {409: problem("Not possible in the current state")}
BEHIND = {409: problem("The projection has not reached min_positions (stats.projection_behind)")}
