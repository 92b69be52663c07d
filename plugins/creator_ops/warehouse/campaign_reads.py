"""The campaign page's reads of the warehouse: a fixed handful of aggregate queries, whatever the campaign's size.

Each takes an open connection (the page reads them in one) and returns plain values; the
figures themselves (enrolled, eligible and live GMV, trust) come from `figures.campaign`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, or_, select

from creator_ops.warehouse.files import current_files
from creator_ops.warehouse.schema import (
    alert_outbox,
    ingested_files,
    quality_results,
    quarantine,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection, Row


def _current(campaign_id: str):
    return select(current_files.c.file_id).where(current_files.c.campaign_id == campaign_id).scalar_subquery()


def latest_verdicts(conn: Connection, campaign_id: str) -> list[Row]:
    """Return the latest verdict of every current file (and of verdicts without a file), by data set and time."""
    q = quality_results
    latest = func.row_number().over(
        partition_by=(q.c.dataset, q.c.file_id), order_by=(q.c.validated_at.desc(), q.c.result_id.desc())
    )
    verdicts = (
        select(q.c.dataset, q.c.file_id, q.c.success, q.c.validated_at, q.c.failed_expectations_json, q.c.run_id,
               latest.label("latest"))
        .where(q.c.campaign_id == campaign_id, or_(q.c.file_id.is_(None), q.c.file_id.in_(_current(campaign_id))))
        .subquery()
    )
    return conn.execute(
        select(verdicts).where(verdicts.c.latest == 1).order_by(verdicts.c.dataset, verdicts.c.validated_at)
    ).all()


def ingestion_totals(conn: Connection, campaign_id: str) -> list[dict[str, Any]]:
    """Return files and rows in, accepted, quarantined and rejected files per data set."""
    f = ingested_files
    totals = conn.execute(
        select(f.c.dataset, func.count(), func.sum(f.c.rows_in), func.sum(f.c.rows_accepted),
               func.sum(f.c.rows_quarantined), func.sum(case((f.c.status == "rejected", 1), else_=0)))
        .where(f.c.campaign_id == campaign_id)
        .group_by(f.c.dataset)
        .order_by(f.c.dataset)
    ).all()
    return [
        {"dataset": d, "files": int(n), "rows_in": int(i or 0), "accepted": int(a or 0),
         "quarantined": int(qn or 0), "rejected_files": int(r or 0)}
        for d, n, i, a, qn, r in totals
    ]


def problem_files(conn: Connection, campaign_id: str, limit: int) -> list[Row]:
    """Return the latest `limit` rejected files or files with quarantined rows, with whether each is current."""
    f = ingested_files
    problem = and_(f.c.campaign_id == campaign_id, or_(f.c.status == "rejected", f.c.rows_quarantined > 0))
    return conn.execute(
        select(f.c.file_id, f.c.dataset, f.c.source_uri, f.c.status, f.c.rows_in, f.c.rows_quarantined,
               f.c.rejection_reason, f.c.ingested_at, f.c.file_id.in_(_current(campaign_id)).label("current"))
        .where(problem)
        .order_by(f.c.ingested_at.desc(), f.c.file_id.desc())
        .limit(limit)
    ).all()


def quarantine_reasons_of_files(conn: Connection, file_ids: list[int]) -> dict[int, list[tuple[str, str | None, int]]]:
    """Return {file_id: [(reason, field, rows)]}, most frequent first."""
    q = quarantine
    per_file: dict[int, list[tuple[str, str | None, int]]] = {}
    if file_ids:
        for file_id, reason, fld, rows in conn.execute(
            select(q.c.file_id, q.c.reason, q.c.field, func.count())
            .where(q.c.file_id.in_(file_ids))
            .group_by(q.c.file_id, q.c.reason, q.c.field)
            .order_by(q.c.file_id, func.count().desc())
        ):
            per_file.setdefault(file_id, []).append((reason, fld, int(rows)))
    return per_file


def quarantine_reasons(conn: Connection, campaign_id: str) -> list[tuple[str, str, str | None, int]]:
    """Return (data set, reason, field, rows) of every quarantined row of the campaign, most frequent first."""
    f, q = ingested_files, quarantine
    return [
        (dataset, reason, fld, int(rows))
        for dataset, reason, fld, rows in conn.execute(
            select(f.c.dataset, q.c.reason, q.c.field, func.count())
            .select_from(q.join(f, f.c.file_id == q.c.file_id))
            .where(f.c.campaign_id == campaign_id)
            .group_by(f.c.dataset, q.c.reason, q.c.field)
            .order_by(f.c.dataset, func.count().desc())
        )
    ]


def alert_counts(conn: Connection, campaign_id: str) -> dict[str, dict[str, int]]:
    """Return {status: {channel: alerts}} of the campaign's outbox."""
    a = alert_outbox
    counts: dict[str, dict[str, int]] = {}
    for status, channel, n in conn.execute(
        select(a.c.status, a.c.channel, func.count()).where(a.c.campaign_id == campaign_id)
        .group_by(a.c.status, a.c.channel)
    ):
        counts.setdefault(status, {})[channel] = int(n)
    return counts


def alerts(conn: Connection, campaign_id: str, sent_shown: int) -> tuple[list[dict], list[dict]]:
    """Return (alerts not sent yet, oldest first, at most 50; the `sent_shown` latest sent), as dicts."""
    a = alert_outbox
    columns = (a.c.kind, a.c.channel, a.c.subject, a.c.status, a.c.attempts, a.c.last_error, a.c.next_attempt_at,
               a.c.created_at, a.c.sent_at)
    mine = a.c.campaign_id == campaign_id
    waiting = select(*columns).where(mine, a.c.status != "sent").order_by(a.c.created_at).limit(50)
    sent = select(*columns).where(mine, a.c.status == "sent").order_by(a.c.sent_at.desc()).limit(sent_shown)
    return [dict(r._mapping) for r in conn.execute(waiting)], [dict(r._mapping) for r in conn.execute(sent)]


def run_moments(conn: Connection, campaign_id: str) -> dict[str, Any]:
    """Return run id -> the end of its data interval: the moment what the run computed describes."""
    from creator_ops.warehouse.schema import campaign_runs as r

    rows = conn.execute(select(r.c.run_id, r.c.interval_end).where(r.c.campaign_id == campaign_id)).all()
    return {run_id: end for run_id, end in rows}
