"""Quality steps: validate the current files of a data set ingested in this run, store and log the verdict.

One task per data set. The batch is a landed file: its accepted rows (read back from the
warehouse by `file_id`) and its ingestion figures (table ingested_files). Results are
upserted into `quality_results` keyed (campaign, data set, run, file), so a rerun of the
task replaces the verdict of that run. A failed suite does not fail the task (stages after
it still run); it marks the data set untrusted and the payout steps refuse to run.

Superseding, so that "ops fix the data and rerun" works: ops fix a bad export by landing
the corrected one under the same name (same landing path). Its new content is a new file
(content hash) and the later file of a landing path supersedes every earlier one, in
this run or an earlier one. So the quality task validates only the current files of its
run, drops the verdicts it stored in this run for files since superseded (so the run's
alert and report show the corrected data), and `untrusted_datasets()` reads the latest
verdict of every current file of the campaign: a data set is trusted when all of them
passed. A later file under another name does not supersede (exports are often
incremental, so a good day-2 file says nothing about a bad day-1 file); a bad file that
is not re-landed under its name is retired by setting its ingested_files.status to
`superseded`.
"""

from __future__ import annotations

import json
from typing import Any

from creator_ops.core.steps import StepContext, StepSkipped
from creator_ops.warehouse.datasets import drop_superseded_verdicts, files_of_run, load_batch, store_verdict
from creator_ops.warehouse.metrics import untrusted_datasets  # noqa: F401 - the one definition of "trusted", re-exported


def validate(ctx: StepContext, dataset: str) -> dict[str, Any]:
    """Validate each current file of `dataset` ingested in this run; store, log and return the verdicts."""
    from creator_ops.core.quality import validate_batch

    dropped = drop_superseded_verdicts(ctx.engine, ctx.campaign_id, dataset, ctx.run_id)
    if dropped:
        ctx.info("%s: dropped this run's verdicts on superseded files %s", dataset, dropped)
    files = files_of_run(ctx.engine, ctx.campaign_id, dataset, ctx.run_id)
    if not files:
        raise StepSkipped(
            f"no {dataset} file was ingested in run {ctx.run_id} (or each was superseded since): "
            "nothing to validate"
        )
    reports = []
    for file in files:
        frame = load_batch(ctx.engine, dataset, file["file_id"])
        report = validate_batch(dataset, frame, ctx.spec, file_stats=file)
        store_verdict(ctx.engine, ctx.campaign_id, ctx.run_id, file["file_id"], report)
        ctx.info("%s (file %s): %s", dataset, file["source_uri"], report.summary())
        if not report.passed:
            ctx.warning("%s is not trusted: %s", dataset, json.dumps(report.to_dict(), ensure_ascii=False))
        reports.append(report.to_dict() | {"file_id": file["file_id"], "source_uri": file["source_uri"]})
    failed = sorted({name for r in reports for name in r["failed_names"]})
    return {
        "dataset": dataset,
        "files": len(files),
        "passed": not failed,
        "failed": failed,
        "superseded_verdicts_dropped": dropped,
        "reports": reports,
    }
