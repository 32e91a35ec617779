"""What accountability-service's routes declare: who may call them, the settings, the conflicts they document."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from accountability_service.config import Settings
from accountability_service.interference.chain import Signer
from enforcement_common.api.routing import app_settings, problem
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller

AnyCaller = Annotated[Caller, Depends(require_roles())]
#: 法规部门 (legal affairs), 司法局, 纪检监察: receive error cases, record findings (ERR-7, ERR-10).
Accepting = Annotated[Caller, Depends(require_roles("legal_affairs", "justice_bureau", "discipline"))]
#: The head (局主要负责人) appoints the investigation team (ERR-10 (二)).
Head = Annotated[Caller, Depends(require_roles("unit_leader", "justice_bureau"))]
#: The collective determination (机关领导集体讨论), recorded by the leader or the legal body (ERR-10 (三)).
Determining = Annotated[Caller, Depends(require_roles("unit_leader", "legal_affairs", "justice_bureau"))]
#: 上级机关、司法局、纪检监察 decide appeals (ERR-12).
AppealBody = Annotated[Caller, Depends(require_roles("unit_leader", "justice_bureau", "discipline"))]
#: A respondent (an officer) appeals.
Respondent = Annotated[Caller, Depends(require_roles("officer", "unit_leader", "legal_affairs"))]
#: Handlers record interference (INT-3).
Handler = Annotated[Caller, Depends(require_roles("officer", "unit_leader", "legal_affairs"))]
#: The legal body, 司法局 and 纪检: classify, spot-check, refer (INT-4, INT-10, INT-11).
Oversight = Annotated[Caller, Depends(require_roles("legal_affairs", "justice_bureau", "discipline"))]
#: Readers of the register's integrity (chain, checkpoints) and of reports and findings.
Auditing = Annotated[Caller, Depends(require_roles("legal_affairs", "justice_bureau", "discipline", "auditor"))]
LegalAffairs = Annotated[Caller, Depends(require_roles("legal_affairs"))]

SettingsDep = Annotated[Settings, Depends(app_settings)]


async def _signer(request: Request) -> Signer:
    return request.app.state.checkpoint_signer


#: The deployment's checkpoint key (made once per app from its settings).
SignerDep = Annotated[Signer, Depends(_signer)]

CONFLICT = {409: problem("Not possible in the current state")}
APPEND_ONLY = {405: problem("Append-only: correct with a new record (INT-3)")}
