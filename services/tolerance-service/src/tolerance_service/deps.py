"""What tolerance-service's routes declare: who may call them, the settings, the conflicts they document."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from enforcement_common.api.routing import app_settings, problem
from enforcement_common.auth.dependencies import require_roles
from enforcement_common.auth.jwt import Caller
from tolerance_service.config import Settings

AnyCaller = Annotated[Caller, Depends(require_roles())]
#: TOL-14: an individual applies directly (个人也可以直接申请), or the unit starts it.
Applicant = Annotated[Caller, Depends(require_roles("officer", "unit_leader", "legal_affairs", "platform"))]
#: 调查核实: the unit's legal affairs, discipline inspection or its party committee.
Investigator = Annotated[Caller, Depends(require_roles("legal_affairs", "discipline", "party_committee"))]
#: TOL-14: the party committee (党委/党组) decides.
PartyCommittee = Annotated[Caller, Depends(require_roles("party_committee"))]
#: TOL-14: who notifies the relevant units and the party of the decision.
Notifier = Annotated[Caller, Depends(require_roles("party_committee", "legal_affairs", "unit_leader"))]
#: TOL-17: the subject of a correction (an officer concerned) or its unit reports.
CorrectionSubject = Annotated[Caller, Depends(require_roles("officer", "unit_leader", "legal_affairs"))]
#: TOL-19: petitions are received and handled by legal affairs, discipline inspection, or
#: the 信访 platform; reporters never call this API themselves (their identity is no caller's).
PetitionOffice = Annotated[Caller, Depends(require_roles("legal_affairs", "discipline", "platform"))]
PetitionHandler = Annotated[Caller, Depends(require_roles("legal_affairs", "discipline"))]
#: Who may read petitions at all (never an officer named in one: the service checks that).
PetitionReader = Annotated[
    Caller,
    Depends(require_roles("legal_affairs", "discipline", "party_committee", "justice_bureau", "admin", "auditor")),
]
Clarifier = Annotated[Caller, Depends(require_roles("legal_affairs", "discipline", "party_committee"))]

SettingsDep = Annotated[Settings, Depends(app_settings)]

CONFLICT = {409: problem("Not possible in the current state")}
FORBIDDEN_DECIDER = {403: problem("Not the deciding body the policy names (TOL-14)")}
