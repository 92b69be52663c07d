"""alert outbox leases: claimed_by, lease_until and an index for due rows

Revision ID: 0005_alerts
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_alerts"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the lease columns a drain uses to claim rows, and an index to find due rows."""
    with op.batch_alter_table("alert_outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_alert_outbox_due", "alert_outbox", ["campaign_id", "status", "next_attempt_at"])


def downgrade() -> None:
    """Drop the index and the lease columns."""
    op.drop_index("ix_alert_outbox_due", table_name="alert_outbox")
    with op.batch_alter_table("alert_outbox") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
