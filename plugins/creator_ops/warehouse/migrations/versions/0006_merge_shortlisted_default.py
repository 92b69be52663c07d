"""Merge the stage branches into one head; creators.shortlisted defaults to false in the database.

Ingestion's bulk upsert leaves `shortlisted` out of its INSERT (recruitment sets it), so
the default must live in the database, not only in SQLAlchemy.

Revision ID: 0006_merge
Revises: 0002_ingest, 0003_payouts, 0004_quality, 0005_alerts
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_merge"
down_revision: str | Sequence[str] | None = ("0002_ingest", "0003_payouts", "0004_quality", "0005_alerts")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("creators") as batch:
        batch.alter_column("shortlisted", existing_type=sa.Boolean(), server_default=sa.false(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("creators") as batch:
        batch.alter_column("shortlisted", existing_type=sa.Boolean(), server_default=None, existing_nullable=False)
