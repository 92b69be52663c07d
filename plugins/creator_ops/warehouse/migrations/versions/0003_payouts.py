"""payout ledger: calculation lineage and summary, approval run, one row per creator per calculation

Revision ID: 0003_payouts
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_payouts"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add base calculation, summary and approval run; make creator rows and payment references unique."""
    with op.batch_alter_table("payout_calculations") as batch:
        batch.add_column(sa.Column("base_calculation_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("summary_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("approval_run_id", sa.String(length=250), nullable=True))
    op.create_index("ix_payout_calculations_campaign_state", "payout_calculations", ["campaign_id", "state"])
    op.create_index(
        "uq_payout_ledger_calculation_creator", "payout_ledger", ["calculation_id", "creator_id"], unique=True
    )
    op.create_index("uq_payout_ledger_payment_reference", "payout_ledger", ["payment_reference"], unique=True)


def downgrade() -> None:
    """Drop the indexes and the added columns."""
    op.drop_index("uq_payout_ledger_payment_reference", table_name="payout_ledger")
    op.drop_index("uq_payout_ledger_calculation_creator", table_name="payout_ledger")
    op.drop_index("ix_payout_calculations_campaign_state", table_name="payout_calculations")
    with op.batch_alter_table("payout_calculations") as batch:
        batch.drop_column("approval_run_id")
        batch.drop_column("summary_json")
        batch.drop_column("base_calculation_id")
