"""View `current_files`: the ingested files no later file of the same landing path supersedes.

One definition of "current" for quality verdicts, milestones and payouts, in SQL so the
milestone queries under include/sql/ can join it too.

Revision ID: 0007_current_files
Revises: 0006_merge
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_current_files"
down_revision: str | Sequence[str] | None = "0006_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CURRENT_FILES = """
CREATE VIEW current_files AS
SELECT f.file_id, f.campaign_id, f.dataset, f.source_uri, f.status, f.run_id,
       f.rows_in, f.rows_accepted, f.rows_quarantined
FROM ingested_files f
WHERE f.status IN ('accepted', 'rejected')
  AND NOT EXISTS (
      SELECT 1 FROM ingested_files later
      WHERE later.campaign_id = f.campaign_id
        AND later.dataset = f.dataset
        AND later.source_uri = f.source_uri
        AND later.file_id > f.file_id
  )
"""


def upgrade() -> None:
    op.execute(CURRENT_FILES)


def downgrade() -> None:
    op.execute("DROP VIEW current_files")
