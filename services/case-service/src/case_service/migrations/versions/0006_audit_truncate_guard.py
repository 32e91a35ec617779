"""The audit log refuses TRUNCATE too (libs/common API kit, version 2).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from collections.abc import Sequence

from enforcement_common.api.tables import create_audit_truncate_guard, drop_audit_truncate_guard

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_truncate_guard()


def downgrade() -> None:
    drop_audit_truncate_guard()
