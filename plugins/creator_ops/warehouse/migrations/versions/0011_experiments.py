"""Holdout assignments, measured experiment results and stored predictions (SPEC 12).

Revision ID: 0011_experiments
Revises: 0009_file_actions
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_experiments"
# the chain's head on main is 0009_file_actions (it revises 0010_mechanisms)
down_revision: str | Sequence[str] | None = "0009_file_actions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create experiment_assignments, experiment_results and predictions."""
    op.create_table(
        "experiment_assignments",
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("mechanism", sa.String(length=20), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("group_name", sa.String(length=10), nullable=False),
        sa.Column("holdout_share", sa.String(length=20), nullable=False),
        _ts("first_seen_at", nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "mechanism", "creator_id", name=op.f("pk_experiment_assignments")),
    )
    op.create_table(
        "experiment_results",
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("mechanism", sa.String(length=20), nullable=False),
        sa.Column("campaign_type", sa.String(length=20), nullable=False),
        _ts("event_start", nullable=False),
        sa.Column("calibration", sa.String(length=40), nullable=True),
        sa.Column("incremental_gmv_sen", sa.BigInteger(), nullable=True),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("result_json", sa.Text(), nullable=False),
        _ts("computed_at", nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "mechanism", name=op.f("pk_experiment_results")),
    )
    op.create_table(
        "predictions",
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        _ts("as_of", nullable=False),
        sa.Column("predicted_sen", sa.BigInteger(), nullable=False),
        sa.Column("low_sen", sa.BigInteger(), nullable=True),
        sa.Column("high_sen", sa.BigInteger(), nullable=True),
        sa.Column("observed_sen", sa.BigInteger(), nullable=True),
        sa.Column("detail_json", sa.Text(), nullable=False),
        _ts("made_at", nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "kind", "as_of", name=op.f("pk_predictions")),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("predictions")
    op.drop_table("experiment_results")
    op.drop_table("experiment_assignments")
