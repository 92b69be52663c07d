"""Ingest landed files into the warehouse: content-hash registry, archive, quarantine, bulk load.

Files land under `<landing_root>/<campaign_id>/<dataset>/`. Each file is hashed; a
content already registered for the campaign and data set is skipped (the same file
landing twice is ingested once). A new file is archived, read, and loaded in ONE
transaction with its registry row (`ingested_files`, `rows_in = accepted + quarantined`,
checked by the table too) and its quarantine rows, so a rerun either finds it
registered or loads it whole: rerunning a task leaves the same rows. Unreadable files
are registered as `rejected` with the cause and kept (archived) for inspection.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from creator_ops.core.steps import StepContext

# Canonical reader columns loaded into each table (file_id and campaign_id are added per file).
ORDER_COLUMNS = (
    "order_id",
    "line_id",
    "creator_id",
    "order_time",
    "status",
    "gmv_sen",
    "updated_at",
    "source_status",
    "product_id",
    "content_type",
    "commission_sen",
    "row_number",
)
ENROLLMENT_COLUMNS = ("creator_id", "registered_at", "is_new_creator", "row_number")
CREATOR_COLUMNS = (
    "creator_id",
    "handle",
    "followers",
    "category",
    "state",
    "gmv_30d_sen",
    "avg_views_30d",
    "email_hash",
    "phone_hash",
    "row_number",
)
QUARANTINE_COLUMNS = ("row_number", "reason", "field", "detail", "raw_json")
# SPEC section 9: every landed row is kept; warehouse.campaign_data reads the current ones.
SECTION9_COLUMNS = {
    "products": (
        "product_id", "name", "category", "price_sen", "sample_quota", "priority", "min_followers", "row_number",
    ),
    "invitations": ("creator_id", "invited_at", "account_manager", "email_hash", "phone_hash", "row_number"),
    "samples": ("sample_id", "creator_id", "product_id", "requested_at", "status", "shipped_at", "row_number"),
    "content": ("content_id", "creator_id", "content_type", "posted_at", "views", "gmv_sen", "row_number"),
}  # fmt: skip


def pii_key(ctx: StepContext) -> bytes:
    """Return the PII hash key (variable `pii_hash_key`, through the context); raise PiiKeyMissing without it."""
    from creator_ops.core.ingest import resolve_pii_key

    return resolve_pii_key(lambda: ctx.get_variable("pii_hash_key"))


def landing_area(ctx: StepContext):
    """Return the campaign's LandingArea under the context's landing root."""
    from creator_ops.core.ingest.landing import LandingArea

    return LandingArea(ctx.landing, ctx.campaign_id)


def _registered(conn, campaign_id: str, dataset: str, sha256: str) -> bool:
    from sqlalchemy import select

    from creator_ops.warehouse.schema import ingested_files as f

    query = select(f.c.file_id).where(
        f.c.campaign_id == campaign_id, f.c.dataset == dataset, f.c.sha256 == sha256
    )
    return conn.execute(query).first() is not None


def _survey_ids(ctx: StepContext, relative_path: str, accepted) -> Any:
    """Return each response's survey id: the file's column, the spec survey named in the path, or by date."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = accepted.num_rows
    from_file = accepted.column("survey_id")
    path = relative_path.lower()
    named = sorted((s.id for s in ctx.spec.surveys if s.id in path), key=len, reverse=True)
    if named:
        fallback: Any = pa.array([named[0]] * n, pa.string())
    else:
        fallback = pa.nulls(n, pa.string())
        submitted = accepted.column("submitted_at")
        for survey in ctx.spec.surveys:  # first survey whose window holds the submission
            opens, closes = ctx.spec.when(survey.opens), ctx.spec.when(survey.closes)
            inside = pc.and_(
                pc.greater_equal(submitted, pa.scalar(opens.astimezone(dt.UTC), pa.timestamp("us", "UTC"))),
                pc.less_equal(submitted, pa.scalar(closes.astimezone(dt.UTC), pa.timestamp("us", "UTC"))),
            )
            fallback = pc.if_else(pc.and_(pc.is_null(fallback), inside), survey.id, fallback)
    return pc.fill_null(pc.coalesce(from_file, fallback), "unassigned")


def load_result(conn, ctx: StepContext, dataset: str, file_id: int, result, relative_path: str = "") -> None:
    """Load one read file's accepted rows and quarantine into the warehouse (caller's transaction)."""
    from creator_ops.warehouse import schema
    from creator_ops.warehouse.bulk import bulk_insert, bulk_upsert

    accepted = result.accepted_table
    per_file = {"file_id": file_id, "campaign_id": ctx.campaign_id}
    if dataset == "orders":
        bulk_insert(conn, schema.order_lines, accepted.select(list(ORDER_COLUMNS)), per_file)
    elif dataset == "enrollments":
        bulk_insert(conn, schema.enrollments, accepted.select(list(ENROLLMENT_COLUMNS)), per_file)
    elif dataset == "surveys":
        responses = accepted.select(["creator_id", "submitted_at", "row_number"]).append_column(
            "survey_id", _survey_ids(ctx, relative_path, accepted)
        )
        bulk_insert(conn, schema.survey_responses, responses, per_file)
        answers = result.answers_table.select(["row_number", "question", "answer", "language"])
        bulk_insert(conn, schema.survey_answers, answers, {"file_id": file_id})
    elif dataset == "creators":
        # Upsert: the latest pull updates a creator; recruitment's score and shortlist columns stay.
        bulk_upsert(
            conn,
            schema.creators,
            accepted.select(list(CREATOR_COLUMNS)),
            ["campaign_id", "creator_id"],
            per_file,
            insert_only={"shortlisted": False},
        )
    elif dataset in SECTION9_COLUMNS:
        bulk_insert(conn, schema.metadata.tables[dataset], accepted.select(list(SECTION9_COLUMNS[dataset])), per_file)
    elif dataset == "exclusions":
        bulk_upsert(
            conn,
            schema.exclusions,
            accepted.select(["creator_id", "reason"]),
            ["campaign_id", "creator_id"],
            per_file,
        )
    else:
        raise ValueError(f"unknown data set {dataset!r}")
    bulk_insert(
        conn,
        schema.quarantine,
        result.quarantined_table.select(list(QUARANTINE_COLUMNS)),
        {"file_id": file_id},
    )


def _register(ctx: StepContext, dataset: str, row: dict, result: Any, relative: str) -> int:
    """Insert the file's registry row and (when read) its rows, in one transaction; return its file_id."""
    from sqlalchemy import insert

    from creator_ops.warehouse.schema import ingested_files

    with ctx.engine.begin() as conn:
        file_id = conn.execute(insert(ingested_files).values(**row)).inserted_primary_key[0]
        if result is not None:
            load_result(conn, ctx, dataset, file_id, result, relative)
    return file_id


def _load_failure(exc: BaseException) -> str:
    """Return why the warehouse refused a file's rows, in one masked line."""
    from creator_ops.core.masking import mask_pii

    cause = getattr(exc, "orig", None) or exc
    text = " ".join(str(cause).split())[:300]
    return mask_pii(f"the warehouse refused its rows: {type(cause).__name__}: {text}")


def ingest_file(
    ctx: StepContext, dataset: str, path: Any, area: Any = None, key: bytes | None = None
) -> dict:
    """Ingest one landed file unless its content is already registered; return what happened to it."""
    from sqlalchemy.exc import DBAPIError

    from creator_ops.core.ingest import FileRejected, read_dataset
    from creator_ops.core.masking import mask_pii

    area = area or landing_area(ctx)
    key = key or pii_key(ctx)
    relative = area.relative(path, dataset)
    shown = mask_pii(relative, key)  # a file named after a person is stored, archived and logged masked
    sha256, size = area.sha256(path)
    with ctx.engine.connect() as conn:
        if _registered(conn, ctx.campaign_id, dataset, sha256):
            return {"file": shown, "status": "already_ingested", "sha256": sha256}
    archived = area.archive(path, dataset, sha256, name=shown)
    result, rejection = None, None
    with area.local_file(path) as local:
        try:
            result = read_dataset(local, dataset, tz=ctx.spec.timezone, pii_key=key)
        except FileRejected as exc:
            rejection = exc.cause
    counts = result.summary() if result else {"rows_in": 0, "accepted": 0, "quarantined": 0}
    row = {
        "campaign_id": ctx.campaign_id,
        "dataset": dataset,
        "source_uri": mask_pii(str(path), key),
        "archived_uri": archived,
        "sha256": sha256,
        "size_bytes": size,
        "status": "rejected" if rejection else "accepted",
        "rejection_reason": rejection,
        "rows_in": counts["rows_in"],
        "rows_accepted": counts["accepted"],
        "rows_quarantined": counts["quarantined"],
        "run_id": ctx.run_id,
        "ingested_at": dt.datetime.now(dt.UTC),
        "file_format": result.file_format if result else None,
        "encoding": result.encoding if result else None,
    }
    try:
        file_id = _register(ctx, dataset, row, result, relative)
    except DBAPIError as exc:  # IntegrityError included
        with ctx.engine.connect() as conn:
            if _registered(conn, ctx.campaign_id, dataset, sha256):  # a concurrent run registered it first
                return {"file": shown, "status": "already_ingested", "sha256": sha256}
        if result is None:
            raise  # not even the registry row of a rejected file went in: the warehouse itself is at fault
        # a value the warehouse refuses (too long, out of range): the file is rejected, not the run
        rejection, result = _load_failure(exc), None
        counts = {"rows_in": 0, "accepted": 0, "quarantined": 0}
        row |= {"status": "rejected", "rejection_reason": rejection, "rows_in": 0}
        row |= {"rows_accepted": 0, "rows_quarantined": 0}
        file_id = _register(ctx, dataset, row, None, relative)
    if rejection:
        ctx.info("Rejected %s (%s): %s", shown, dataset, rejection)
    else:
        ctx.info("Ingested %s (%s): %s", shown, dataset, counts)
    return {
        "file": shown,
        "status": row["status"],
        "file_id": file_id,
        "sha256": sha256,
        "rejection_reason": rejection,
        **counts,
    }


def ingest_landed(ctx: StepContext, dataset: str) -> dict:
    """Ingest every new file landed for `dataset`; return files, rows_in, accepted, quarantined, rejected."""
    area = landing_area(ctx)
    files = area.files(dataset)
    key = pii_key(ctx)
    summary: dict[str, Any] = {
        "dataset": dataset,
        "files": 0,
        "already_ingested": 0,
        "rows_in": 0,
        "accepted": 0,
        "quarantined": 0,
        "rejected": 0,
        "file_ids": [],
        "rejections": [],
    }
    failures: list[str] = []
    for path in files:
        try:
            outcome = ingest_file(ctx, dataset, path, area, key)
        except Exception as exc:  # one file's failure never stops the others; the task fails after
            failures.append(f"{path}: {type(exc).__name__}: {exc}")
            ctx.warning("Could not ingest %s (%s): %s: %s", path, dataset, type(exc).__name__, exc)
            continue
        if outcome["status"] == "already_ingested":
            summary["already_ingested"] += 1
            continue
        summary["files"] += 1
        summary["file_ids"].append(outcome["file_id"])
        if outcome["status"] == "rejected":
            summary["rejected"] += 1
            summary["rejections"].append(f"{outcome['file']}: {outcome['rejection_reason']}")
        for figure in ("rows_in", "accepted", "quarantined"):
            summary[figure] += outcome[figure]
    if not files:
        ctx.info("No %s files landed under %s", dataset, area.folder(dataset))
    if failures:
        from creator_ops.core.masking import mask_pii

        raise RuntimeError(mask_pii(f"{len(failures)} {dataset} file(s) could not be ingested: " + "; ".join(failures)))
    return summary


def ingest_enrollments(ctx: StepContext) -> dict:
    """Load newly landed enrollment (registration) files."""
    return ingest_landed(ctx, "enrollments")


def ingest_surveys(ctx: StepContext) -> dict:
    """Load newly landed survey response files."""
    return ingest_landed(ctx, "surveys")


def ingest_orders(ctx: StepContext) -> dict:
    """Load newly landed affiliate order files."""
    return ingest_landed(ctx, "orders")


def ingest_exclusions(ctx: StepContext) -> dict:
    """Load newly landed payout exclusion lists."""
    return ingest_landed(ctx, "exclusions")


def ingest_creators(ctx: StepContext) -> dict:
    """Load newly landed marketplace candidate pulls."""
    return ingest_landed(ctx, "creators")


def ingest_products(ctx: StepContext) -> dict:
    """Load newly landed product selections (price, sample quota, priority)."""
    return ingest_landed(ctx, "products")


def ingest_invitations(ctx: StepContext) -> dict:
    """Load newly landed invitation lists (the recruitment stage records its own lists itself)."""
    return ingest_landed(ctx, "invitations")


def ingest_samples(ctx: StepContext) -> dict:
    """Load newly landed free-sample request exports (statuses change: the last landing wins)."""
    return ingest_landed(ctx, "samples")


def ingest_content(ctx: StepContext) -> dict:
    """Load newly landed content exports (videos and LIVE sessions with views and GMV)."""
    return ingest_landed(ctx, "content")
