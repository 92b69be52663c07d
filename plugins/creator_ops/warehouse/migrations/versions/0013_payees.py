"""Payees (identity encrypted) and the finance outputs of each payout (SPEC section 14).

Revision ID: 0013_payees
Revises: 0012_run_snapshots
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_payees"
down_revision: str | Sequence[str] | None = "0012_run_snapshots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create payees and finance_payments."""
    op.create_table(
        "payees",
        sa.Column("file_id", sa.Integer(), sa.ForeignKey("ingested_files.file_id"), nullable=False),
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("resident", sa.Boolean(), nullable=False),
        sa.Column("id_type", sa.String(length=10), nullable=True),
        sa.Column("has_identity", sa.Boolean(), nullable=False),
        sa.Column("id_hint", sa.String(length=24), nullable=True),
        sa.Column("identity_token", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("file_id", "row_number", name=op.f("pk_payees")),
    )
    op.create_index("ix_payees_creator", "payees", ["creator_id", "file_id"])
    op.create_table(
        "finance_payments",
        sa.Column("payment_reference", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("calculation_id", sa.String(length=64), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("document_type", sa.String(length=2), nullable=False),
        sa.Column("original_reference", sa.String(length=64), nullable=True),
        sa.Column("payout_date", sa.Date(), nullable=False),
        sa.Column("gross_sen", sa.BigInteger(), nullable=False),
        sa.Column("wht_sen", sa.BigInteger(), nullable=False),
        sa.Column("net_sen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("prior_total_sen", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("payment_reference", name=op.f("pk_finance_payments")),
        sa.CheckConstraint("net_sen = gross_sen - wht_sen", name=op.f("ck_finance_payments_net")),
    )
    op.create_index("ix_finance_payments_creator", "finance_payments", ["creator_id", "payout_date"])
    op.create_index("ix_finance_payments_campaign", "finance_payments", ["campaign_id", "calculation_id"])


def downgrade() -> None:
    """Drop the two tables."""
    op.drop_index("ix_finance_payments_campaign", table_name="finance_payments")
    op.drop_index("ix_finance_payments_creator", table_name="finance_payments")
    op.drop_table("finance_payments")
    op.drop_index("ix_payees_creator", table_name="payees")
    op.drop_table("payees")
