"""The inbox keyed by (consumer group, event id) (libs/common events, inbox version 2).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from enforcement_common.events.tables import inbox_per_consumer_group, inbox_per_event_id

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    inbox_per_consumer_group()


def downgrade() -> None:
    inbox_per_event_id()
