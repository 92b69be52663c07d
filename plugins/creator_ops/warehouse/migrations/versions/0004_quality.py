"""quality results: rows validated, the full report, and an index to find the latest result

Revision ID: 0004_quality
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_quality"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add row_count and report_json, and index results by campaign, data set and time."""
    with op.batch_alter_table("quality_results") as batch:
        batch.add_column(sa.Column("row_count", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("report_json", sa.Text(), nullable=True))
    op.create_index(
        "ix_quality_results_latest", "quality_results", ["campaign_id", "dataset", "validated_at"]
    )


def downgrade() -> None:
    """Drop the index and the added columns."""
    op.drop_index("ix_quality_results_latest", table_name="quality_results")
    with op.batch_alter_table("quality_results") as batch:
        batch.drop_column("report_json")
        batch.drop_column("row_count")
