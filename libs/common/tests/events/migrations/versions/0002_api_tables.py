"""The API kit's tables (audit log, idempotency keys, unit tree): a write through a service
route commits with its audit entry, so an app over this schema needs them.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from enforcement_common.api.tables import create_api_tables, drop_api_tables

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_api_tables()


def downgrade() -> None:
    drop_api_tables()
