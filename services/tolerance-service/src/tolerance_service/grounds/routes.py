"""``GET /grounds`` (the template's items with their Chinese text, in the wording of a policy
version) and ``GET /policy-templates`` (the three seed templates, preloaded)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from enforcement_common.api.problems import ProblemError
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter
from enforcement_common.policies import version_values
from tolerance_service import rules
from tolerance_service.deps import AnyCaller
from tolerance_service.policy import TEMPLATES, TOLERANCE_POLICIES, PolicyTemplate

router = ServiceRouter(tags=["grounds"], responses=COMMON_RESPONSES)


class GroundRead(BaseModel):
    code: str
    kind: Literal["due_diligence", "tolerance", "condition", "mitigation"]
    article: str = Field(description="第十条 … 第十二条")
    item: int
    citation: str = Field(examples=["第十条（一）"])
    rule: str = Field(description="the RULES.md id")
    text: str = Field(description="the item's wording (zh-CN) in the policy version asked for")


class GroundsRead(BaseModel):
    policy_id: uuid.UUID | None = Field(description="the version whose wording this is; null: the seed's")
    grounds: list[GroundRead]
    exclusions: dict[str, str] = Field(description="第十三条 (TOL-13)")


_KINDS = (
    ("due_diligence", rules.DUE_DILIGENCE),
    ("tolerance", rules.TOLERANCE),
    ("condition", rules.CONDITIONS),
    ("mitigation", rules.MITIGATION),
)


@router.get("/grounds", response_model=GroundsRead, responses=NOT_FOUND)
async def list_grounds(_: AnyCaller, session: SessionDep, policy_id: uuid.UUID | None = None) -> GroundsRead:
    """The grounds DD1–DD11, TG1–TG9, C1–C3, MG1–MG3 with their Chinese text (in a policy version's wording)."""
    texts: dict[str, str] = {}
    if policy_id is not None:
        try:
            texts = (await version_values(session, TOLERANCE_POLICIES, policy_id)).ground_texts
        except LookupError:
            raise ProblemError(404, "resource.not_found", "No such policy version.") from None
    return GroundsRead(
        policy_id=policy_id,
        grounds=[
            GroundRead(
                code=g.code,
                kind=kind,
                article=g.article,
                item=g.item,
                citation=g.citation,
                rule=g.rule,
                text=texts.get(g.code, g.text),
            )
            for kind, catalogue in _KINDS
            for g in catalogue.values()
        ],
        exclusions=dict(rules.EXCLUSIONS),
    )


@router.get("/policy-templates", response_model=list[PolicyTemplate])
async def list_policy_templates(_: AnyCaller) -> list[PolicyTemplate]:
    """The seed templates (000 虞乡镇, 001 隰县, 003 奈曼旗) an issuing unit adopts with POST /policies."""
    return list(TEMPLATES.values())
