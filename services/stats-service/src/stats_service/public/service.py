"""The public certificate-holder list (STAT-5b 公示): serving officers whose certificate is valid
today and whose qualification is active, from the shared directory (officer.* events)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement_common.api.pagination import PageParams, paginate
from enforcement_common.api.tables import unit_tree
from enforcement_common.calendar import today
from stats_service.models import OfficerView
from stats_service.public.schemas import CertificateHolder, CertificateHolderPage


async def holders_page(session: AsyncSession, page: PageParams) -> CertificateHolderPage:
    now = today()
    statement = (
        select(
            OfficerView.officer_id,
            OfficerView.name,
            OfficerView.certificate_no,
            OfficerView.certificate_expires_on,
            unit_tree.c.name.label("unit_name"),
        )
        .join(unit_tree, unit_tree.c.unit_id == OfficerView.unit_id)
        .where(
            OfficerView.qualification_status == "active",
            OfficerView.staff_type.in_(("established", "contract")),
            OfficerView.certificate_no.is_not(None),
            OfficerView.certificate_expires_on >= now,
        )
    )
    rows, cursor = await paginate(
        session, statement, [OfficerView.certificate_no, OfficerView.officer_id], page, scalars=False
    )
    return CertificateHolderPage(
        items=[
            CertificateHolder(
                name=r.name, certificate_number=r.certificate_no, unit=r.unit_name, valid_to=r.certificate_expires_on
            )
            for r in rows
        ],
        next_cursor=cursor,
    )


def etag_of(page: CertificateHolderPage) -> str:
    return '"' + hashlib.sha256(page.model_dump_json().encode()).hexdigest()[:32] + '"'
