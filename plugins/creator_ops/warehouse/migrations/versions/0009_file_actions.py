"""Retiring and restoring ingested files by command (`campaignctl files`), recorded with who and why.

`ingested_files.status` gains the value `retired` (the view `current_files` only counts
`accepted` and `rejected` files, so a retired file no longer counts); every retire and
restore is a row of `file_actions` with the status before and after, the person and the
reason.

Revision ID: 0009_file_actions
Revises: 0010_mechanisms
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_file_actions"
down_revision: str | Sequence[str] | None = "0010_mechanisms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create file_actions."""
    op.create_table(
        "file_actions",
        sa.Column("action_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("status_before", sa.String(length=20), nullable=False),
        sa.Column("status_after", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["ingested_files.file_id"], name=op.f("fk_file_actions_file_id_ingested_files")),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_file_actions")),
        sa.CheckConstraint("action IN ('retire', 'restore')", name=op.f("ck_file_actions_action")),
    )
    op.create_index("ix_file_actions_file", "file_actions", ["file_id", "action_id"])


def downgrade() -> None:
    """Drop file_actions."""
    op.drop_index("ix_file_actions_file", table_name="file_actions")
    op.drop_table("file_actions")
