"""Which ingested files are current: a later file landed under the same path supersedes earlier ones.

Ops fix bad data by landing the corrected export under the same name; the rows of the
file it replaces stay in the warehouse for lineage but no longer count for quality
verdicts, milestones or payouts. A file can also be retired by setting its
`ingested_files.status` to `superseded`.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, select

from creator_ops.warehouse.schema import ingested_files

CURRENT_FILE_STATUSES = ("accepted", "rejected")


def current_files_query(campaign_id: str, dataset: str | None = None) -> Select:
    """Return the SELECT of the files (of `dataset`, or all) that no later file of their path supersedes."""
    f = ingested_files
    later = ingested_files.alias("later")
    superseded = exists().where(
        later.c.campaign_id == f.c.campaign_id,
        later.c.dataset == f.c.dataset,
        later.c.source_uri == f.c.source_uri,
        later.c.file_id > f.c.file_id,
    )
    query = (
        select(f.c.file_id, f.c.source_uri, f.c.status, f.c.rows_in, f.c.rows_accepted, f.c.rows_quarantined)
        .where(f.c.campaign_id == campaign_id, f.c.status.in_(CURRENT_FILE_STATUSES), ~superseded)
        .order_by(f.c.file_id)
    )
    return query if dataset is None else query.where(f.c.dataset == dataset)


def current_file_ids(campaign_id: str, dataset: str):
    """Return a scalar subquery of the current files' ids, for `file_id IN (...)` filters."""
    return current_files_query(campaign_id, dataset).with_only_columns(ingested_files.c.file_id).scalar_subquery()
