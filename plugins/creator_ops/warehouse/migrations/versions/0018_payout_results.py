"""Each campaign's latest section 5 result, stored for the ecosystem (SPEC section 13).

`payout_results` holds one row per campaign: which calculation the stored result is (the
ledger calculation it was recorded as, its run, spec and inputs digests, when). Its rows,
`payout_result_rows`, are one per creator enrolled by section 5 rule 2 (`enrolled`) or with
a section 5 result row (`selling`, with the row's eligible GMV, eligible orders and total):
the whole result, not the ledger's adjustment differences. Each calculation replaces its
campaign's stored result. Campaigns settled before this revision have none until their
payouts are calculated again (the ecosystem names them as missing, never guesses).

Revision ID: 0018_payout_results
Revises: 0017_ghosts
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_payout_results"
down_revision: str | Sequence[str] | None = "0017_ghosts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create payout_results and payout_result_rows."""
    op.create_table(
        "payout_results",
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("calculation_id", sa.String(length=64), nullable=True),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("spec_sha256", sa.String(length=64), nullable=False),
        sa.Column("inputs_sha256", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_payout_results")),
    )
    op.create_table(
        "payout_result_rows",
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("enrolled", sa.Boolean(), nullable=False),
        sa.Column("selling", sa.Boolean(), nullable=False),
        sa.Column("eligible_gmv_sen", sa.BigInteger(), nullable=False),
        sa.Column("eligible_orders", sa.Integer(), nullable=False),
        sa.Column("total_sen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "creator_id", name=op.f("pk_payout_result_rows")),
    )


def downgrade() -> None:
    """Drop the stored results (the ecosystem then has none to read)."""
    op.drop_table("payout_result_rows")
    op.drop_table("payout_results")
