"""Matchmaking lists (with the BD sign-off that freezes them) and hourly traffic allocations (SPEC 11).

Revision ID: 0010_mechanisms
Revises: 0008_section9_data
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_mechanisms"
down_revision: str | Sequence[str] | None = "0008_section9_data"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create matchmaking_lists, matchmaking_pairs, traffic_hours and traffic_allocations."""
    op.create_table(
        "matchmaking_lists",
        sa.Column("list_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("total_value_sen", sa.BigInteger(), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        _ts("computed_at", nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        _ts("decided_at"),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("list_id", name=op.f("pk_matchmaking_lists")),
        sa.UniqueConstraint("campaign_id", "run_id", name="uq_matchmaking_lists_run"),
    )
    op.create_index("ix_matchmaking_lists_campaign_state", "matchmaking_lists", ["campaign_id", "state"])
    op.create_table(
        "matchmaking_pairs",
        sa.Column("list_id", sa.Integer(), sa.ForeignKey("matchmaking_lists.list_id"), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("value_sen", sa.BigInteger(), nullable=False),
        sa.Column("account_manager", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("list_id", "creator_id", "product_id", name=op.f("pk_matchmaking_pairs")),
    )
    op.create_table(
        "traffic_hours",
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        _ts("hour_start", nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("remaining_before_sen", sa.BigInteger(), nullable=False),
        sa.Column("hour_budget_sen", sa.BigInteger(), nullable=False),
        sa.Column("spent_sen", sa.BigInteger(), nullable=False),
        sa.Column("expected_gmv_sen", sa.BigInteger(), nullable=False),
        sa.Column("creators", sa.Integer(), nullable=False),
        sa.Column("boosted", sa.Integer(), nullable=False),
        _ts("computed_at", nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "hour_start", name=op.f("pk_traffic_hours")),
    )
    op.create_table(
        "traffic_allocations",
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        _ts("hour_start", nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("spend_sen", sa.BigInteger(), nullable=False),
        sa.Column("expected_gmv_sen", sa.BigInteger(), nullable=False),
        sa.Column("spent_before_sen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "hour_start", "creator_id", name=op.f("pk_traffic_allocations")),
    )
    op.create_index("ix_traffic_allocations_creator", "traffic_allocations", ["campaign_id", "creator_id"])


def downgrade() -> None:
    """Drop the four tables."""
    op.drop_index("ix_traffic_allocations_creator", table_name="traffic_allocations")
    op.drop_table("traffic_allocations")
    op.drop_table("traffic_hours")
    op.drop_table("matchmaking_pairs")
    op.drop_index("ix_matchmaking_lists_campaign_state", table_name="matchmaking_lists")
    op.drop_table("matchmaking_lists")
