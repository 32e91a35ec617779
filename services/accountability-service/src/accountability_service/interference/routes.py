"""Routes of /interference-records (干预插手记录, INT-2 … INT-13). Append-only: the records have no
PATCH or DELETE (405); a correction is a new record pointing at the one it corrects."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Query, Response

from accountability_service.deps import AnyCaller, Auditing, Handler, Oversight, SignerDep
from accountability_service.interference import service
from accountability_service.interference.schemas import (
    Category,
    CheckpointKey,
    CheckpointRead,
    Circulation,
    Classification,
    RecordCreate,
    RecordRead,
    Referral,
    Report,
    Retaliation,
    SpotCheck,
    VerifyReport,
)
from enforcement_common.api.pagination import Page, PageParamsDep
from enforcement_common.api.routing import COMMON_RESPONSES, NOT_FOUND, SessionDep
from enforcement_common.api.transaction import ServiceRouter

router = ServiceRouter(tags=["interference register"], responses=COMMON_RESPONSES)


@router.post("/interference-records", status_code=201, response_model=RecordRead, responses=NOT_FOUND)
async def record_interference(
    body: RecordCreate, caller: Handler, session: SessionDep, response: Response
) -> RecordRead:
    """Record an intervention (记录干预插手): time, place, person, method, content (INT-3)."""
    item = await service.record(session, caller, body)
    response.headers["Location"] = f"/api/v1/interference-records/{item.id}"
    return await service.read(session, caller, item, new=True)


@router.get("/interference-records", response_model=Page[RecordRead])
async def list_interference_records(
    caller: AnyCaller,
    session: SessionDep,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    category: Category | None = None,
    occurred_from: datetime | None = None,
    occurred_to: datetime | None = None,
) -> Page[RecordRead]:
    """Records in the caller's scope, never one naming the caller (INT-9)."""
    return await service.list_page(
        session,
        caller,
        page,
        unit_id=unit_id,
        case_id=case_id,
        category=category,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )


@router.get("/interference-records/verify", response_model=VerifyReport)
async def verify_register(
    caller: Auditing,
    session: SessionDep,
    count: Annotated[int | None, Query(ge=0, description="a checkpoint's count")] = None,
    head_hash: Annotated[str | None, Query(pattern="^[0-9a-f]{64}$", description="a checkpoint's head hash")] = None,
) -> VerifyReport:
    """Recompute the chain; with a kept checkpoint's count and head hash, prove the register extends it."""
    return await service.verify(session, count, head_hash)


@router.get("/interference-records/checkpoints", response_model=Page[CheckpointRead])
async def list_checkpoints(caller: Auditing, session: SessionDep, page: PageParamsDep) -> Page[CheckpointRead]:
    """Signed checkpoints of the register (at least daily, and on demand)."""
    return await service.list_checkpoints(session, page)


@router.post("/interference-records/checkpoints", status_code=201, response_model=CheckpointRead)
async def sign_checkpoint(caller: Auditing, session: SessionDep, signer: SignerDep) -> CheckpointRead:
    """Sign a checkpoint now (count and head hash, Ed25519)."""
    return service.read_checkpoint(await service.checkpoint(session, signer))


@router.get("/interference-records/checkpoint-key", response_model=CheckpointKey)
async def checkpoint_key(caller: AnyCaller, signer: SignerDep) -> CheckpointKey:
    """The public key that verifies the checkpoints' signatures."""
    return service.key(signer)


@router.get("/interference-records/{record_id}", response_model=RecordRead, responses=NOT_FOUND)
async def get_interference_record(record_id: uuid.UUID, caller: AnyCaller, session: SessionDep) -> RecordRead:
    """One record; 404 for a caller named in it as intervener (INT-9)."""
    return await service.get(session, caller, record_id)


@router.post("/interference-records/{record_id}/classification", response_model=RecordRead, responses=NOT_FOUND)
async def classify_record(
    record_id: uuid.UUID, body: Classification, caller: Oversight, session: SessionDep
) -> RecordRead:
    """Classify: improper interference I1–I6/other (INT-10), or not interference (INT-13)."""
    return await service.read(session, caller, await service.classify(session, caller, record_id, body))


@router.post("/interference-records/{record_id}/report", response_model=RecordRead, responses=NOT_FOUND)
async def report_record(record_id: uuid.UUID, body: Report, caller: Handler, session: SessionDep) -> RecordRead:
    """Report to the legal department, or directly to 司法局 (INT-3)."""
    return await service.read(session, caller, await service.report(session, caller, record_id, body))


@router.post("/interference-records/{record_id}/spot-check", response_model=RecordRead, responses=NOT_FOUND)
async def spot_check_record(
    record_id: uuid.UUID, body: SpotCheck, caller: Oversight, session: SessionDep
) -> RecordRead:
    """Spot check by the legal body (抽查, INT-4)."""
    return await service.read(session, caller, await service.spot_check(session, caller, record_id, body))


@router.post("/interference-records/{record_id}/referral", response_model=RecordRead, responses=NOT_FOUND)
async def refer_record(record_id: uuid.UUID, body: Referral, caller: Oversight, session: SessionDep) -> RecordRead:
    """Refer to 纪检 or the judicial organs (INT-11)."""
    return await service.read(session, caller, await service.refer(session, caller, record_id, body))


@router.post("/interference-records/{record_id}/circulation", response_model=RecordRead, responses=NOT_FOUND)
async def circulate_record(
    record_id: uuid.UUID, body: Circulation, caller: Oversight, session: SessionDep
) -> RecordRead:
    """通报 after approval (INT-10)."""
    return await service.read(session, caller, await service.circulate(session, caller, record_id, body))


@router.post("/interference-records/{record_id}/retaliation", response_model=RecordRead, responses=NOT_FOUND)
async def record_retaliation(
    record_id: uuid.UUID, body: Retaliation, caller: Oversight, session: SessionDep
) -> RecordRead:
    """Retaliation against the recorder (打击报复), its own finding, referred (INT-11)."""
    return await service.read(session, caller, await service.retaliation(session, caller, record_id, body))
