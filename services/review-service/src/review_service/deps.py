"""What review-service's routes declare: who may call them, the settings, the conflicts they document."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from enforcement_common.api.routing import app_settings, problem
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller
from review_service.config import Settings

AnyCaller = Annotated[Caller, Depends(require_roles())]
Handler = Annotated[Caller, Depends(require_roles("officer", "unit_leader"))]
Reviewer = Annotated[Caller, Depends(require_roles("legal_affairs", "justice_bureau"))]
Signer = Annotated[Caller, Depends(require_roles("legal_affairs", "unit_leader"))]
JusticeBureau = Annotated[Caller, Depends(require_roles("justice_bureau"))]
LegalAffairs = Annotated[Caller, Depends(require_roles("legal_affairs"))]

SettingsDep = Annotated[Settings, Depends(app_settings)]

CONFLICT = {409: problem("Not possible in the current state")}
