"""The public certificate-holder list (执法证件持有人公示, STAT-5b): four fields, nothing else."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class CertificateHolder(BaseModel):
    """姓名、执法证号、所在单位、有效期至 — no id, id number or status (the list is public)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    certificate_number: str
    unit: str
    valid_to: date


class CertificateHolderPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[CertificateHolder]
    next_cursor: str | None
