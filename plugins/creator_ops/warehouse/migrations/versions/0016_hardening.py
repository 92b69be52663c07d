"""Mask personal data already stored in file names and file actions (hardening round 3).

Since this round the ingest step stores a landed file's name masked
(`export_adv.leak+promo@gmail.com_0127184463.csv` as `[email:…]_[phone:…].csv`) and
`files retire/restore` store `--by` and `--reason` masked. This revision masks what was
stored before: `ingested_files.source_uri`, `archived_uri` and `rejection_reason` with the
keyed tokens when the PII key is in the environment (`AIRFLOW_VAR_PII_HASH_KEY`, or the
demo's), so a file landed again under the same name still supersedes the old one; without
the key these three stay as they were (fixed markers would make different people's files
one name). `file_actions.decided_by` and `reason` always get the fixed markers, as new rows do.
No schema change; the downgrade has nothing to restore (masking is one-way).

Revision ID: 0016_hardening
Revises: 0013_payees
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_hardening"
down_revision: str | Sequence[str] | None = "0013_payees"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> bytes | None:
    from creator_ops.core.errors import CreatorOpsError
    from creator_ops.core.ingest.pii import resolve_pii_key

    try:
        return resolve_pii_key()
    except CreatorOpsError:  # no key configured here (or a bad setting): leave the names as stored
        return None


def _mask_columns(table: sa.TableClause, key_column: str, columns: tuple[str, ...], key: bytes | None) -> None:
    from creator_ops.core.masking import mask_pii

    conn = op.get_bind()
    rows = conn.execute(sa.select(table)).mappings().all()
    for row in rows:
        changed = {c: mask_pii(row[c], key) for c in columns if row[c] and mask_pii(row[c], key) != row[c]}
        if changed:
            conn.execute(sa.update(table).where(table.c[key_column] == row[key_column]).values(**changed))


def upgrade() -> None:
    """Mask stored file names (with the key, when it is here) and file actions' who and why."""
    key = _key()
    if key is not None:
        files = sa.table(
            "ingested_files",
            sa.column("file_id"), sa.column("source_uri"), sa.column("archived_uri"), sa.column("rejection_reason"),
        )  # fmt: skip
        _mask_columns(files, "file_id", ("source_uri", "archived_uri", "rejection_reason"), key)
    actions = sa.table("file_actions", sa.column("action_id"), sa.column("decided_by"), sa.column("reason"))
    _mask_columns(actions, "action_id", ("decided_by", "reason"), None)


def downgrade() -> None:
    """Nothing to undo: masked values cannot be read back."""
