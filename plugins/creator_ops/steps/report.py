"""The run report: what this run loaded, checked, calculated and sent, for ops and the UI."""

from __future__ import annotations

import json

from creator_ops.core.money import format_rm
from creator_ops.core.safe_csv import write_atomically
from creator_ops.core.steps import StepContext
from creator_ops.warehouse.runs import record_run_summary, run_facts


def _interval_text(summary: dict) -> str:
    """The run's interval in the campaign's time zone, with UTC beside it (issue 30)."""
    import datetime as dt

    from creator_ops.core.times import format_local

    zone = summary.get("timezone")
    start, end = (dt.datetime.fromisoformat(summary[k]) for k in ("interval_start", "interval_end"))
    utc = f"UTC {start.astimezone(dt.UTC):%Y-%m-%d %H:%M} → {end.astimezone(dt.UTC):%Y-%m-%d %H:%M}"
    if not zone:
        return utc
    return f"{format_local(start, zone)} → {format_local(end, zone)} ({zone}); {utc}"


def render_markdown(summary: dict) -> str:
    """Render the run summary as Markdown ops can read."""
    lines = [
        f"# {summary['campaign_name']} — run {summary['run_id']}",
        "",
        f"Phase **{summary['phase']}**, interval {_interval_text(summary)}",
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
    summary = {
        "campaign_id": ctx.campaign_id,
        "campaign_name": ctx.spec.name,
        "run_id": ctx.run_id,
        "phase": str(ctx.phase),
        "interval_start": ctx.interval_start.isoformat(),
        "interval_end": ctx.interval_end.isoformat(),
        "timezone": ctx.spec.timezone,
        **run_facts(ctx.engine, ctx.campaign_id, ctx.run_id),
    }
    run = {
        "campaign_id": ctx.campaign_id,
        "run_id": ctx.run_id,
        "phase": str(ctx.phase),
        "interval_start": ctx.interval_start,
        "interval_end": ctx.interval_end,
    }
    record_run_summary(ctx.engine, run, json.dumps(summary, default=str))
    folder = ctx.output_dir / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    stem = ctx.interval_start.astimezone(ctx.spec.tz).strftime("%Y%m%dT%H%M") + f"_{summary['phase']}"
    write_atomically(folder / f"{stem}.json", json.dumps(summary, indent=2, default=str).encode("utf-8"))
    write_atomically(folder / f"{stem}.md", render_markdown(summary).encode("utf-8"))
    ctx.info("Run summary:\n%s", render_markdown(summary))
    return {"rows": summary["rows"], "files": len(summary["files"]), "report": str(folder / f"{stem}.md")}
