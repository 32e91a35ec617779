"""The API kit's tables (idempotency keys, audit log, unit tree): a service route audits its
writes in its own transaction, so an app mounted on this database needs them too.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from enforcement_common.api.tables import create_api_tables, drop_api_tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_api_tables()


def downgrade() -> None:
    drop_api_tables()
