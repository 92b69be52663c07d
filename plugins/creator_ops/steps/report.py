"""The run report: what this run loaded, checked, calculated and sent, for ops and the UI."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from creator_ops.core.money import format_rm
from creator_ops.core.steps import StepContext
from creator_ops.warehouse import schema
from creator_ops.warehouse.upsert import upsert

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


def _campaign_counts(conn, campaign_id: str) -> dict[str, int]:
    counts = {}
    for name in COUNTED:
        table = schema.metadata.tables.get(name)
        if table is None or "campaign_id" not in table.c:
            continue
        counts[name] = conn.execute(
            select(func.count()).select_from(table).where(table.c.campaign_id == campaign_id)
        ).scalar_one()
    return counts


def _files_this_run(conn, ctx: StepContext) -> list[dict]:
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
        .where(f.c.campaign_id == ctx.campaign_id, f.c.run_id == ctx.run_id)
        .order_by(f.c.file_id)
    ).mappings()
    return [dict(r) for r in rows]


def _quality_this_run(conn, ctx: StepContext) -> list[dict]:
    q = schema.quality_results
    rows = conn.execute(
        select(q.c.dataset, q.c.suite, q.c.success, q.c.evaluated, q.c.failed)
        .where(q.c.campaign_id == ctx.campaign_id, q.c.run_id == ctx.run_id)
        .order_by(q.c.dataset)
    ).mappings()
    return [dict(r) for r in rows]


def _payouts(conn, ctx: StepContext) -> dict | None:
    p = schema.payout_calculations
    row = (
        conn.execute(
            select(p.c.calculation_id, p.c.state, p.c.creators, p.c.total_sen, p.c.budget_sen, p.c.scaled)
            .where(p.c.campaign_id == ctx.campaign_id)
            .order_by(p.c.calculated_at.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def _alerts(conn, ctx: StepContext) -> dict[str, int]:
    a = schema.alert_outbox
    rows = conn.execute(
        select(a.c.status, func.count()).where(a.c.campaign_id == ctx.campaign_id).group_by(a.c.status)
    ).all()
    return {status: count for status, count in rows}


def render_markdown(summary: dict) -> str:
    """Render the run summary as Markdown ops can read."""
    lines = [
        f"# {summary['campaign_name']} — run {summary['run_id']}",
        "",
        f"Phase **{summary['phase']}**, interval {summary['interval_start']} → {summary['interval_end']}",
        "",
        "## Rows in the warehouse (campaign to date)",
    ]
    lines += [f"- {name}: {count:,}" for name, count in summary["rows"].items()]
    if summary["files"]:
        lines += [
            "",
            "## Files ingested in this run",
            "| dataset | file | status | in | accepted | quarantined |",
            "|---|---|---|---|---|---|",
        ]
        for f in summary["files"]:
            name = f["source_uri"].rsplit("/", 1)[-1]
            counts = f"{f['rows_in']} | {f['rows_accepted']} | {f['rows_quarantined']}"
            lines.append(f"| {f['dataset']} | {name} | {f['status']} | {counts} |")
    if summary["quality"]:
        lines += ["", "## Quality"]
        for q in summary["quality"]:
            verdict = "passed" if q["success"] else "FAILED"
            lines.append(f"- {q['dataset']}: {verdict} ({q['evaluated'] - q['failed']}/{q['evaluated']} expectations)")
    if summary["payouts"]:
        p = summary["payouts"]
        lines += [
            "",
            "## Payouts",
            f"- calculation {p['calculation_id']}: {p['state']}, {p['creators']} creators, "
            f"{format_rm(p['total_sen'])} of {format_rm(p['budget_sen'])}{' (scaled)' if p['scaled'] else ''}",
        ]
    if summary["alerts"]:
        lines += ["", "## Alerts", *[f"- {k}: {v}" for k, v in summary["alerts"].items()]]
    return "\n".join(lines) + "\n"


def summarize_run(ctx: StepContext) -> dict:
    """Write this run's summary to the warehouse and as JSON + Markdown files; return it."""
    with ctx.engine.begin() as conn:
        summary = {
            "campaign_id": ctx.campaign_id,
            "campaign_name": ctx.spec.name,
            "run_id": ctx.run_id,
            "phase": str(ctx.phase),
            "interval_start": ctx.interval_start.isoformat(),
            "interval_end": ctx.interval_end.isoformat(),
            "rows": _campaign_counts(conn, ctx.campaign_id),
            "files": _files_this_run(conn, ctx),
            "quality": _quality_this_run(conn, ctx),
            "payouts": _payouts(conn, ctx),
            "alerts": _alerts(conn, ctx),
        }
        upsert(
            conn,
            schema.campaign_runs,
            [
                {
                    "campaign_id": ctx.campaign_id,
                    "run_id": ctx.run_id,
                    "phase": str(ctx.phase),
                    "interval_start": ctx.interval_start,
                    "interval_end": ctx.interval_end,
                    "summary_json": json.dumps(summary, default=str),
                    "updated_at": dt.datetime.now(dt.UTC),
                }
            ],
            ["campaign_id", "run_id"],
        )
    folder = ctx.output_dir / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    stem = ctx.interval_start.astimezone(ctx.spec.tz).strftime("%Y%m%dT%H%M") + f"_{summary['phase']}"
    (folder / f"{stem}.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    (folder / f"{stem}.md").write_text(render_markdown(summary), encoding="utf-8")
    ctx.info("Run summary:\n%s", render_markdown(summary))
    return {"rows": summary["rows"], "files": len(summary["files"]), "report": str(folder / f"{stem}.md")}
