"""Problem alerts (SPEC section 6): failed tasks, failed quality suites, quarantine, late runs, payouts.

Each builder returns `Alert`s with deterministic keys (a failed try, a suite result, a
file, a run, a calculation), so writing them to the outbox twice alerts once. The
warehouse checks' rows are read by `creator_ops.warehouse.queries` and passed in here.
No Airflow or warehouse import: the Airflow side passes in what it knows (task, run,
try, log URL).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from creator_ops.core.alerts import Alert, Fact, alert_key, mask_pii
from creator_ops.core.milestones import percent
from creator_ops.core.money import format_rm
from creator_ops.core.times import as_utc, format_local, utc

if TYPE_CHECKING:
    from creator_ops.core.spec import CampaignSpec

PAYOUT_APPROVAL_WAIT = dt.timedelta(hours=24)
MAX_ERROR_CHARS = 500
MAX_FAILED_EXPECTATIONS = 8


def _local(spec: CampaignSpec, moment: dt.datetime | None) -> str:
    return format_local(moment, spec.timezone, with_zone=True, missing="-")


def task_failed_alert(
    spec: CampaignSpec,
    *,
    dag_id: str,
    task_id: str,
    run_id: str,
    try_number: int | None,
    log_url: str | None,
    error: BaseException | str | None = None,
) -> Alert:
    """Build the alert for a task that failed (one per failed try)."""
    message = ""
    if error is not None:
        raw = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error)
        message = mask_pii(" ".join(raw.split()))
        message = message if len(message) <= MAX_ERROR_CHARS else message[: MAX_ERROR_CHARS - 3] + "..."
    return Alert(
        key=alert_key("task_failed", spec.id, run_id, task_id, try_number or 0),
        campaign_id=spec.id,
        kind="task_failed",
        severity="critical",
        data={"dag_id": dag_id, "task_id": task_id, "run_id": run_id, "try_number": try_number or "?",
              "error": message},
        facts=(
            Fact("DAG", dag_id),
            Fact("Task", task_id),
            Fact("Run", run_id),
            Fact("Try", str(try_number or "?")),
        ),
        link=log_url,
    )


def _expectation_name(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        name = item.get("name") or item.get("expectation_type") or item.get("expectation") or item.get("type")
        column = item.get("column") or (item.get("kwargs") or {}).get("column")
        unexpected = item.get("unexpected_count")
        text = str(name or "expectation")
        if column and str(column) not in text:
            text += f" on {column}"
        # the offending values themselves (masked by the suite's report), e.g. the unknown status
        values = [str(v) for v in _as_list(item.get("unexpected_values")) if v is not None]
        if unexpected is not None:
            text += f" ({unexpected} unexpected{': ' + ', '.join(values) if values else ''})"
        if item.get("why"):
            text += f": {item['why']}"
        return text
    return str(item)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    if isinstance(value, Mapping):
        return [value]
    return list(value)


def quality_failed_alert(
    spec: CampaignSpec,
    report: Mapping[str, Any],
    *,
    run_id: str,
    result_id: Any = None,
) -> Alert:
    """Build the alert for a failed suite from a `QualityReport.to_dict()` (or a stored result)."""
    dataset = str(report.get("dataset") or "data")
    suite = str(report.get("suite") or report.get("suite_name") or dataset)
    # QualityReport.to_dict() lists them under "failed"; a stored result row under its JSON column
    listed = report.get("failed") if isinstance(report.get("failed"), list) else None
    failed = _as_list(listed if listed is not None else report.get("failed_expectations"))
    evaluated = report.get("evaluated", "?")
    failed_count = len(failed) if listed is not None else report.get("failed", len(failed))
    samples = [r for r in _as_list(report.get("sample_rows") or report.get("sample")) if isinstance(r, Mapping)]
    names = [_expectation_name(f) for f in failed[:MAX_FAILED_EXPECTATIONS]]
    if len(failed) > MAX_FAILED_EXPECTATIONS:
        names.append(f"and {len(failed) - MAX_FAILED_EXPECTATIONS} more")
    discriminator = result_id if result_id is not None else report.get("file_id", "")
    return Alert(
        key=alert_key("quality_failed", spec.id, run_id, dataset, suite, discriminator),
        campaign_id=spec.id,
        kind="quality_failed",
        severity="critical",
        data={"dataset": dataset, "suite": suite, "failed_count": failed_count, "evaluated": evaluated,
              "run_id": run_id},
        facts=(Fact("Suite", suite), Fact("Failed expectations", "; ".join(names) or str(failed_count))),
        sample_rows=tuple(samples),
    )


def quality_alerts(rows: Sequence[Mapping[str, Any]], spec: CampaignSpec, run_id: str) -> list[Alert]:
    """Build an alert for every failed quality suite stored for this run (`queries.quality_failures`)."""
    return [
        quality_failed_alert(
            spec,
            {
                "dataset": r["dataset"],
                "suite": r["suite"],
                "evaluated": r["evaluated"],
                "failed": r["failed"],
                "failed_expectations": r["failed_expectations_json"],
                "sample_rows": r["sample_json"],
            },
            run_id=run_id,
            result_id=f"{r['file_id']}" if r["file_id"] is not None else r["result_id"],
        )
        for r in rows
    ]


def quarantine_alerts(rows: Sequence[Mapping[str, Any]], spec: CampaignSpec, run_id: str) -> list[Alert]:
    """Build an alert for every file of this run whose quarantined share exceeds the spec's maximum.

    `rows` are the run's files with their counts (`queries.quarantine_by_file`).
    """
    limit: Decimal = spec.quality.max_quarantine_share
    alerts = []
    for r in rows:
        rows_in, quarantined = int(r["rows_in"]), int(r["rows_quarantined"])
        # exact: quarantined / rows_in > limit  <=>  quarantined > limit * rows_in
        if Decimal(quarantined) <= limit * rows_in:
            continue
        file_name = PurePosixPath(str(r["source_uri"]).replace("\\", "/")).name
        alerts.append(
            Alert(
                key=alert_key("quarantine_share", spec.id, r["dataset"], r["file_id"]),
                campaign_id=spec.id,
                kind="quarantine_share",
                severity="warning",
                data={
                    "dataset": r["dataset"],
                    "file_name": file_name,
                    "rows_in": f"{rows_in:,}",
                    "rows_quarantined": f"{quarantined:,}",
                    "share_pct": percent(quarantined, rows_in),
                    "max_share_pct": percent(limit * 1000, 1000),
                },
                facts=(
                    Fact("File", file_name),
                    Fact("Rows in", f"{rows_in:,}"),
                    Fact("Quarantined", f"{quarantined:,} ({percent(quarantined, rows_in)})"),
                    Fact("Run", run_id),
                ),
            )
        )
    return alerts


def rejected_file_alerts(rows: Sequence[Mapping[str, Any]], spec: CampaignSpec, run_id: str) -> list[Alert]:
    """Build an alert for every file of this run rejected as a whole (`queries.rejected_files`)."""
    alerts = []
    for r in rows:
        file_name = mask_pii(PurePosixPath(str(r["source_uri"]).replace("\\", "/")).name)
        reason = mask_pii(" ".join(str(r["rejection_reason"] or "no reason recorded").split()))
        reason = reason if len(reason) <= MAX_ERROR_CHARS else reason[: MAX_ERROR_CHARS - 3] + "..."
        alerts.append(
            Alert(
                key=alert_key("file_rejected", spec.id, r["dataset"], r["file_id"]),
                campaign_id=spec.id,
                kind="file_rejected",
                severity="warning",
                data={"dataset": r["dataset"], "file_name": file_name, "reason": reason},
                facts=(Fact("File", file_name), Fact("Data set", str(r["dataset"])), Fact("Run", run_id)),
            )
        )
    return alerts


def signoff_overdue_alert(
    spec: CampaignSpec, *, step_id: str, title: str, owner: str | None, due: dt.datetime,
    deadline: dt.datetime, run_id: str,
) -> Alert:
    """Build the escalation of a runbook sign-off nobody answered by its deadline (one per step and run)."""
    return Alert(
        key=alert_key("signoff_overdue", spec.id, step_id, run_id),
        campaign_id=spec.id,
        kind="signoff_overdue",
        severity="critical",
        data={
            "step_id": step_id,
            "title": mask_pii(title),
            "owner": mask_pii(owner or "unassigned"),
            "due": _local(spec, due),
            "deadline": _local(spec, deadline),
            "run_id": run_id,
        },
        facts=(
            Fact("Sign-off", mask_pii(title)),
            Fact("Owner", mask_pii(owner or "unassigned")),
            Fact("Due", _local(spec, due)),
            Fact("No answer by", _local(spec, deadline)),
            Fact("Run", run_id),
        ),
    )


def payout_waiting_alerts(rows: Sequence[Mapping[str, Any]], spec: CampaignSpec, now: dt.datetime) -> list[Alert]:
    """Build an alert for every payout calculation waiting for approval longer than a day.

    `rows` are the calculations waiting since before `now - PAYOUT_APPROVAL_WAIT` (`queries.payouts_waiting`).
    """
    alerts = []
    for r in rows:
        calculated_at = as_utc(r["calculated_at"])
        hours = int((utc(now) - calculated_at).total_seconds() // 3600)
        alerts.append(
            Alert(
                key=alert_key("payout_waiting", spec.id, r["calculation_id"]),
                campaign_id=spec.id,
                kind="payout_waiting",
                severity="warning",
                data={
                    "calculation_id": r["calculation_id"],
                    "creators": f"{int(r['creators']):,}",
                    "total_display": format_rm(int(r["total_sen"])),
                    "calculated_at": _local(spec, calculated_at),
                    "hours_waiting": hours,
                },
                facts=(
                    Fact("Calculation", r["calculation_id"]),
                    Fact("Creators", f"{int(r['creators']):,}"),
                    Fact("Total", format_rm(int(r["total_sen"]))),
                ),
            )
        )
    return alerts


def run_late_alert(
    spec: CampaignSpec,
    *,
    run_id: str,
    phase: str,
    deadline_at: dt.datetime | None,
    observed_at: dt.datetime | None = None,
    link: str | None = None,
) -> Alert:
    """Build the alert for a run that missed its deadline (one per run)."""
    return Alert(
        key=alert_key("run_late", spec.id, run_id),
        campaign_id=spec.id,
        kind="run_late",
        severity="critical",
        data={
            "run_id": run_id,
            "phase": phase,
            "deadline_at": _local(spec, deadline_at),
            "observed_at": _local(spec, observed_at) if observed_at else "",
        },
        facts=(Fact("Run", run_id), Fact("Phase", phase), Fact("Deadline", _local(spec, deadline_at))),
        link=link,
    )


def summarize(alerts: Sequence[Alert]) -> dict[str, int]:
    """Count alerts by kind."""
    counts: dict[str, int] = {}
    for a in alerts:
        counts[a.kind] = counts.get(a.kind, 0) + 1
    return counts
