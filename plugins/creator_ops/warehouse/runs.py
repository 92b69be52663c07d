"""The campaign and run records: the spec version each run saw, its phase and interval, its summary.

`register_run` and `record_run_summary` upsert on (campaign, run), so a retried or rerun
task leaves the same rows; `run_facts` reads what a run's report shows (rows to date, this
run's files and verdicts, the latest payout calculation, alerts by status).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from creator_ops.warehouse import schema
from creator_ops.warehouse.upsert import upsert

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

# tables that carry campaign_id, reported as campaign-wide row counts
COUNTED = (
    "creators",
    "enrollments",
    "survey_responses",
    "order_lines",
    "exclusions",
    "payout_ledger",
    "alert_outbox",
)


def register_run(engine: Engine, campaign: dict[str, Any], run: dict[str, Any]) -> None:
    """Upsert the campaign (name, type, spec version) and the run (phase, interval) in one transaction."""
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        upsert(conn, schema.campaigns, [{**campaign, "updated_at": now}], ["campaign_id"])
        upsert(conn, schema.campaign_runs, [{**run, "updated_at": now}], ["campaign_id", "run_id"])


def record_run_summary(engine: Engine, run: dict[str, Any], summary_json: str) -> None:
    """Upsert the run's row with its summary."""
    row = {**run, "summary_json": summary_json, "updated_at": dt.datetime.now(dt.UTC)}
    with engine.begin() as conn:
        upsert(conn, schema.campaign_runs, [row], ["campaign_id", "run_id"])


def _campaign_counts(conn: Connection, campaign_id: str) -> dict[str, int]:
    counts = {}
    for name in COUNTED:
        table = schema.metadata.tables.get(name)
        if table is None or "campaign_id" not in table.c:
            continue
        counts[name] = conn.execute(
            select(func.count()).select_from(table).where(table.c.campaign_id == campaign_id)
        ).scalar_one()
    return counts


def _files_of_run(conn: Connection, campaign_id: str, run_id: str) -> list[dict]:
    f = schema.ingested_files
    rows = conn.execute(
        select(
            f.c.dataset,
            f.c.source_uri,
            f.c.status,
            f.c.rows_in,
            f.c.rows_accepted,
            f.c.rows_quarantined,
            f.c.rejection_reason,
        )
        .where(f.c.campaign_id == campaign_id, f.c.run_id == run_id)
        .order_by(f.c.file_id)
    ).mappings()
    return [dict(r) for r in rows]


def _quality_of_run(conn: Connection, campaign_id: str, run_id: str) -> list[dict]:
    q = schema.quality_results
    rows = conn.execute(
        select(q.c.dataset, q.c.suite, q.c.success, q.c.evaluated, q.c.failed)
        .where(q.c.campaign_id == campaign_id, q.c.run_id == run_id)
        .order_by(q.c.dataset)
    ).mappings()
    return [dict(r) for r in rows]


def _latest_payouts(conn: Connection, campaign_id: str) -> dict | None:
    p = schema.payout_calculations
    row = (
        conn.execute(
            select(p.c.calculation_id, p.c.state, p.c.creators, p.c.total_sen, p.c.budget_sen, p.c.scaled)
            .where(p.c.campaign_id == campaign_id)
            .order_by(p.c.calculated_at.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def _alerts(conn: Connection, campaign_id: str) -> dict[str, int]:
    a = schema.alert_outbox
    rows = conn.execute(
        select(a.c.status, func.count()).where(a.c.campaign_id == campaign_id).group_by(a.c.status)
    ).all()
    return {status: count for status, count in rows}


def run_facts(engine: Engine, campaign_id: str, run_id: str) -> dict[str, Any]:
    """Return what a run's report shows: rows, files, quality, payouts, alerts (one consistent read)."""
    with engine.begin() as conn:
        return {
            "rows": _campaign_counts(conn, campaign_id),
            "files": _files_of_run(conn, campaign_id, run_id),
            "quality": _quality_of_run(conn, campaign_id, run_id),
            "payouts": _latest_payouts(conn, campaign_id),
            "alerts": _alerts(conn, campaign_id),
        }
