"""Ingest landed files into the warehouse: content-hash registry, archive, quarantine, bulk load.

Files land under `<landing_root>/<campaign_id>/<dataset>/`. Each file is hashed; a
content already registered for the campaign and data set is skipped (the same file
landing twice is ingested once). A new file is archived, read, and loaded in ONE
transaction with its registry row (`ingested_files`, `rows_in = accepted + quarantined`,
checked by the table too) and its quarantine rows, so a rerun either finds it
registered or loads it whole: rerunning a task leaves the same rows. Unreadable files
are registered as `rejected` with the cause and kept (archived) for inspection.

`ingest_file` is the one path every landed file takes (hash, masked name, archive, registry,
log); a data set whose rows are read and stored differently (payees: identity encrypted, not
hashed) passes its own `read` that returns a `FileRead` (counts and the load of its rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from creator_ops.core.ingest.datasets import SPECS
from creator_ops.core.steps import StepContext


@dataclass
class FileRead:
    """What a reader made of one file: its counts, format, and the load of its rows (registering transaction)."""

    rows_in: int
    accepted: int
    quarantined: int
    load: Callable[[Any, int], None]  # (connection, file_id): the rows and quarantine of the file
    file_format: str | None = None
    encoding: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)  # quarantined rows per reason

    def counts(self) -> dict[str, int]:
        return {"rows_in": self.rows_in, "accepted": self.accepted, "quarantined": self.quarantined}


def pii_key(ctx: StepContext) -> bytes:
    """Return the PII hash key (variable `pii_hash_key`, through the context); raise PiiKeyMissing without it."""
    from creator_ops.core.ingest import resolve_pii_key

    return resolve_pii_key(lambda: ctx.get_variable("pii_hash_key"))


def landing_area(ctx: StepContext):
    """Return the campaign's LandingArea under the context's landing root."""
    from creator_ops.core.ingest.landing import LandingArea

    return LandingArea(ctx.landing, ctx.campaign_id)


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


def _loader(ctx: StepContext, dataset: str, result: Any, relative_path: str):
    """Return the load of one read file's rows, for the transaction that registers the file."""
    from creator_ops.warehouse.datasets import load_rows

    spec = SPECS[dataset]
    accepted = result.accepted_table
    if spec.free_columns_are_questions:  # each response belongs to a survey of the spec
        accepted = accepted.set_column(
            accepted.schema.get_field_index("survey_id"), "survey_id", _survey_ids(ctx, relative_path, accepted)
        )
    answers = getattr(result, "answers_table", None)

    def load(conn, file_id: int) -> None:
        load_rows(conn, spec, ctx.campaign_id, file_id, accepted, result.quarantined_table, answers)

    return load


def read_for_load(ctx: StepContext, dataset: str, relative: str, key: bytes) -> Callable[[Any], FileRead]:
    """Return the registry's reader of `dataset` (`read_dataset`), with the load of its rows."""
    from creator_ops.core.ingest import read_dataset

    def read(local: Any) -> FileRead:
        result = read_dataset(local, dataset, tz=ctx.spec.timezone, pii_key=key)
        counts = result.summary()
        reasons: dict[str, int] = {}
        for reason in result.quarantined_table.column("reason").to_pylist():
            reasons[reason] = reasons.get(reason, 0) + 1
        load = _loader(ctx, dataset, result, relative)
        return FileRead(counts["rows_in"], counts["accepted"], counts["quarantined"], load, result.file_format,
                        result.encoding, reasons)  # fmt: skip

    return read


def _register(ctx: StepContext, row: dict, read: FileRead | None) -> int:
    """Insert the file's registry row and (when read) its rows, in one transaction; return its file_id."""
    from creator_ops.warehouse.datasets import register_file

    return register_file(ctx.engine, row, read.load if read is not None else None)


def _load_failure(exc: BaseException) -> str:
    """Return why the warehouse refused a file's rows, in one masked line."""
    from creator_ops.core.masking import mask_pii

    cause = getattr(exc, "orig", None) or exc
    text = " ".join(str(cause).split())[:300]
    return mask_pii(f"the warehouse refused its rows: {type(cause).__name__}: {text}")


def ingest_file(
    ctx: StepContext,
    dataset: str,
    path: Any,
    area: Any = None,
    key: bytes | None = None,
    read: Callable[[Any], FileRead] | None = None,
) -> dict:
    """Ingest one landed file unless its content is already registered; return what happened to it.

    `read` (default: the registry's reader) turns the local copy into a `FileRead`; a
    `FileRejected` it raises registers the file as rejected with the cause.
    """
    from creator_ops.core.ingest import FileRejected
    from creator_ops.core.masking import mask_pii
    from creator_ops.warehouse.datasets import WarehouseRefused, is_registered

    area = area or landing_area(ctx)
    key = key or pii_key(ctx)
    relative = area.relative(path, dataset)
    shown = mask_pii(relative, key)  # a file named after a person is stored, archived and logged masked
    sha256, size = area.sha256(path)
    if is_registered(ctx.engine, ctx.campaign_id, dataset, sha256):
        return {"file": shown, "status": "already_ingested", "sha256": sha256}
    archived = area.archive(path, dataset, sha256, name=shown)
    read = read or read_for_load(ctx, dataset, relative, key)
    result, rejection = None, None
    with area.local_file(path) as local:
        try:
            result = read(local)
        except FileRejected as exc:
            rejection = exc.cause
    counts = result.counts() if result else {"rows_in": 0, "accepted": 0, "quarantined": 0}
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
        file_id = _register(ctx, row, result)
    except WarehouseRefused as exc:  # IntegrityError included
        if is_registered(ctx.engine, ctx.campaign_id, dataset, sha256):  # a concurrent run registered it first
            return {"file": shown, "status": "already_ingested", "sha256": sha256}
        if result is None:
            raise  # not even the registry row of a rejected file went in: the warehouse itself is at fault
        # a value the warehouse refuses (too long, out of range): the file is rejected, not the run
        rejection, result = _load_failure(exc), None
        counts = {"rows_in": 0, "accepted": 0, "quarantined": 0}
        row |= {"status": "rejected", "rejection_reason": rejection, "rows_in": 0}
        row |= {"rows_accepted": 0, "rows_quarantined": 0}
        file_id = _register(ctx, row, None)
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
        "reasons": result.reasons if result else {},
        **counts,
    }


def ingest(ctx: StepContext, dataset: str) -> dict:
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
