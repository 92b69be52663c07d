"""ingestion: the export's own order status, file format and encoding, files by run

Revision ID: 0002_ingest
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_ingest"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add order_lines.source_status, ingested_files.file_format/encoding and an index on files by run."""
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("source_status", sa.String(length=80), nullable=True))
    with op.batch_alter_table("ingested_files") as batch:
        batch.add_column(sa.Column("file_format", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("encoding", sa.String(length=40), nullable=True))
    op.create_index("ix_ingested_files_run", "ingested_files", ["campaign_id", "dataset", "run_id"])


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_index("ix_ingested_files_run", table_name="ingested_files")
    with op.batch_alter_table("ingested_files") as batch:
        batch.drop_column("encoding")
        batch.drop_column("file_format")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("source_status")
