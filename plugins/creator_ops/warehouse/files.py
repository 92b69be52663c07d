"""Which ingested files are current: a later file landed under the same path supersedes earlier ones.

Ops fix bad data by landing the corrected export under the same name; the rows of the
file it replaces stay in the warehouse for lineage but no longer count for quality
verdicts, milestones or payouts. A file can also be retired by setting its
`ingested_files.status` to `superseded`. The rule is the database view `current_files`
(migration 0007), so the SQL under include/sql/ and this module share one definition.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, Select, String, Table, Text, select

# a view, kept out of the tables' metadata so migrations and create_all never treat it as a table
views = MetaData()
current_files = Table(
    "current_files",
    views,
    Column("file_id", Integer, primary_key=True),
    Column("campaign_id", String(200)),
    Column("dataset", String(40)),
    Column("source_uri", Text),
    Column("status", String(20)),
    Column("run_id", String(250)),
    Column("rows_in", BigInteger),
    Column("rows_accepted", BigInteger),
    Column("rows_quarantined", BigInteger),
)


def current_files_query(campaign_id: str, dataset: str | None = None) -> Select:
    """Return the SELECT of the current files (of `dataset`, or all) of a campaign, oldest first."""
    f = current_files
    query = (
        select(f.c.file_id, f.c.source_uri, f.c.status, f.c.rows_in, f.c.rows_accepted, f.c.rows_quarantined)
        .where(f.c.campaign_id == campaign_id)
        .order_by(f.c.file_id)
    )
    return query if dataset is None else query.where(f.c.dataset == dataset)


def current_file_ids(campaign_id: str, dataset: str):
    """Return a scalar subquery of the current files' ids, for `file_id IN (...)` filters."""
    return current_files_query(campaign_id, dataset).with_only_columns(current_files.c.file_id).scalar_subquery()
