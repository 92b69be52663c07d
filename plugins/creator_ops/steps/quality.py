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

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, select

from creator_ops.core.steps import StepContext, StepSkipped
from creator_ops.warehouse.files import current_files, current_files_query
from creator_ops.warehouse.metrics import untrusted_datasets  # noqa: F401 - the one definition of "trusted", re-exported
from creator_ops.warehouse.schema import (
    creators,
    enrollments,
    exclusions,
    metadata,
    order_lines,
    quality_results,
    survey_answers,
    survey_responses,
)
from creator_ops.warehouse.upsert import upsert

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

# Files ops replaced stay registered (content hash) but are no longer data to trust or validate.
TIME_COLUMNS = (
    "order_time",
    "updated_at",
    "registered_at",
    "submitted_at",
    "invited_at",
    "requested_at",
    "shipped_at",
    "posted_at",
)
# SPEC section 9: the reader's canonical columns, as loaded (steps.ingest.SECTION9_COLUMNS)
SECTION9_BATCH_COLUMNS = {
    "products": ("product_id", "name", "category", "price_sen", "sample_quota", "priority", "min_followers"),
    "invitations": ("creator_id", "invited_at", "account_manager", "email_hash", "phone_hash"),
    "samples": ("sample_id", "creator_id", "product_id", "requested_at", "status", "shipped_at"),
    "content": ("content_id", "creator_id", "content_type", "posted_at", "views", "gmv_sen"),
}


def _batch_query(dataset: str, file_id: int):
    """Return the SELECT of one file's accepted rows in the readers' canonical columns."""
    if dataset == "orders":
        t = order_lines
        cols = [
            t.c.order_id,
            t.c.line_id,
            t.c.creator_id,
            t.c.order_time,
            t.c.status,
            t.c.gmv_sen,
            t.c.updated_at,
            t.c.product_id,
            t.c.content_type,
            t.c.commission_sen,
        ]
    elif dataset in SECTION9_BATCH_COLUMNS:
        t = metadata.tables[dataset]
        cols = [t.c[name] for name in SECTION9_BATCH_COLUMNS[dataset]]
    elif dataset == "enrollments":
        t = enrollments
        cols = [t.c.creator_id, t.c.registered_at, t.c.is_new_creator]
    elif dataset == "creators":
        t = creators
        cols = [
            t.c.creator_id, t.c.handle, t.c.followers, t.c.category, t.c.state,
            t.c.gmv_30d_sen, t.c.avg_views_30d, t.c.email_hash, t.c.phone_hash,
        ]  # fmt: skip
    elif dataset == "exclusions":
        t = exclusions
        cols = [t.c.creator_id, t.c.reason]
    else:
        r, a = survey_responses, survey_answers
        joined = r.join(a, and_(a.c.file_id == r.c.file_id, a.c.row_number == r.c.row_number))
        return (
            select(r.c.creator_id, r.c.submitted_at, a.c.question, a.c.answer, a.c.language)
            .select_from(joined)
            .where(r.c.file_id == file_id)
            .order_by(r.c.row_number, a.c.question)
        )
    query = select(*cols).where(t.c.file_id == file_id)
    return query.order_by(t.c.row_number) if "row_number" in t.c else query


def load_batch(engine: Engine, dataset: str, file_id: int) -> pd.DataFrame:
    """Read one file's accepted rows back, timestamps as UTC and flags as booleans."""
    import pandas as pd

    with engine.connect() as conn:
        frame = pd.read_sql(_batch_query(dataset, file_id), conn)
    for column in TIME_COLUMNS:
        if column in frame:
            # SQLite returns naive text (stored as UTC); PostgreSQL returns aware values
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    if "is_new_creator" in frame:
        frame["is_new_creator"] = frame["is_new_creator"].map(lambda v: None if v is None else bool(v))
    return frame


def files_of_run(engine: Engine, campaign_id: str, dataset: str, run_id: str) -> list[dict[str, Any]]:
    """Return the current files of `dataset` ingested in run `run_id`, oldest first."""
    query = current_files_query(campaign_id, dataset).where(current_files.c.run_id == run_id)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def drop_superseded_verdicts(engine: Engine, campaign_id: str, dataset: str, run_id: str) -> list[int]:
    """Delete this run's verdicts on files of `dataset` that are no longer current; return their file ids."""
    q = quality_results
    current = current_files_query(campaign_id, dataset).with_only_columns(current_files.c.file_id)
    stale = q.c.file_id.is_not(None) & q.c.file_id.not_in(current.scalar_subquery())
    where = (q.c.campaign_id == campaign_id) & (q.c.dataset == dataset) & (q.c.run_id == run_id) & stale
    with engine.begin() as conn:
        dropped = sorted(conn.execute(select(q.c.file_id).where(where)).scalars())
        if dropped:
            conn.execute(delete(q).where(where))
    return dropped


def validate_dataset(ctx: StepContext, dataset: str) -> dict[str, Any]:
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
        store_result(ctx.engine, ctx.campaign_id, ctx.run_id, file["file_id"], report)
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


def store_result(engine: Engine, campaign_id: str, run_id: str, file_id: int, report: Any) -> None:
    """Upsert one file's verdict; a rerun of the same run and file replaces it."""
    body = report.to_dict()
    row = {
        "campaign_id": campaign_id,
        "dataset": report.dataset,
        "run_id": run_id,
        "file_id": file_id,
        "suite": report.suite,
        "success": report.passed,
        "evaluated": report.evaluated,
        "failed": len(report.failed),
        "failed_expectations_json": json.dumps(body["failed"], ensure_ascii=False),
        "sample_json": json.dumps(body["sample"], ensure_ascii=False),
        "validated_at": dt.datetime.now(dt.UTC),
        "row_count": report.rows,
        "report_json": json.dumps(body, ensure_ascii=False),
    }
    with engine.begin() as conn:
        upsert(conn, quality_results, [row], ["campaign_id", "dataset", "run_id", "file_id"])


def validate_creators(ctx: StepContext) -> dict[str, Any]:
    """Validate the marketplace pulls ingested in this run."""
    return validate_dataset(ctx, "creators")


def validate_enrollments(ctx: StepContext) -> dict[str, Any]:
    """Validate the enrollment files ingested in this run."""
    return validate_dataset(ctx, "enrollments")


def validate_surveys(ctx: StepContext) -> dict[str, Any]:
    """Validate the survey files ingested in this run."""
    return validate_dataset(ctx, "surveys")


def validate_orders(ctx: StepContext) -> dict[str, Any]:
    """Validate the order files ingested in this run."""
    return validate_dataset(ctx, "orders")


def validate_exclusions(ctx: StepContext) -> dict[str, Any]:
    """Validate the exclusion files ingested in this run."""
    return validate_dataset(ctx, "exclusions")


def validate_products(ctx: StepContext) -> dict[str, Any]:
    """Validate the product files ingested in this run."""
    return validate_dataset(ctx, "products")


def validate_invitations(ctx: StepContext) -> dict[str, Any]:
    """Validate the invitation files ingested in this run."""
    return validate_dataset(ctx, "invitations")


def validate_samples(ctx: StepContext) -> dict[str, Any]:
    """Validate the sample files ingested in this run."""
    return validate_dataset(ctx, "samples")


def validate_content(ctx: StepContext) -> dict[str, Any]:
    """Validate the content files ingested in this run."""
    return validate_dataset(ctx, "content")
