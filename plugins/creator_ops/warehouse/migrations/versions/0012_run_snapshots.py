"""A snapshot of each campaign's figures per run, read by every surface (SPEC section 6, STYLE 14).

Revision ID: 0012_run_snapshots
Revises: 0011_experiments
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_run_snapshots"
down_revision: str | Sequence[str] | None = "0011_experiments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create campaign_snapshots."""
    op.create_table(
        "campaign_snapshots",
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "run_id", name=op.f("pk_campaign_snapshots")),
    )
    op.create_index("ix_campaign_snapshots_campaign_as_of", "campaign_snapshots", ["campaign_id", "as_of"])


def downgrade() -> None:
    """Drop campaign_snapshots."""
    op.drop_index("ix_campaign_snapshots_campaign_as_of", table_name="campaign_snapshots")
    op.drop_table("campaign_snapshots")
