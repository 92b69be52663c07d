"""The warehouse side of the data set registry (`core.ingest.datasets.SPECS`): loads, files and quality batches.

Every data set is stored the way its `DatasetSpec` says: its table, its stored columns
(those the table has), and its load mode: "append" keeps every landed row under its file
and row number, "replace" upserts on the campaign and the spec's keys. Surveys are the
one data set stored in two tables (responses, and one answer per question). A file's
registry row (`ingested_files`), its rows and its quarantine go in one transaction.
Quality reads a file's accepted rows back in the spec's stored fields.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, insert, select
from sqlalchemy.exc import DBAPIError

from creator_ops.core.ingest.datasets import SPECS, DatasetSpec
from creator_ops.warehouse.files import current_files, current_files_query
from creator_ops.warehouse.schema import ingested_files, metadata, quality_results, survey_answers, survey_responses
from creator_ops.warehouse.upsert import upsert

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from sqlalchemy import Connection, Engine, Table

QUARANTINE_COLUMNS = ("row_number", "reason", "field", "detail", "raw_json")
# What a load the warehouse refuses raises (a value too long or out of range, a duplicate key).
WarehouseRefused = DBAPIError


def table_of(spec: DatasetSpec) -> Table:
    """Return the warehouse table of a data set's rows."""
    return metadata.tables[spec.table]


def load_columns(spec: DatasetSpec) -> list[str]:
    """Return the reader's columns a load writes: the spec's stored columns that its table has."""
    table = table_of(spec)
    return [c for c in spec.stored_columns if c in table.c]


def is_registered(engine: Engine, campaign_id: str, dataset: str, sha256: str) -> bool:
    """Return whether a file of that content is already registered for the campaign and data set."""
    f = ingested_files
    query = select(f.c.file_id).where(f.c.campaign_id == campaign_id, f.c.dataset == dataset, f.c.sha256 == sha256)
    with engine.connect() as conn:
        return conn.execute(query).first() is not None


def register_file(engine: Engine, row: dict[str, Any], load: Callable[[Connection, int], None] | None = None) -> int:
    """Insert a file's registry row and (with `load`) its rows in one transaction; return its file_id."""
    with engine.begin() as conn:
        file_id = conn.execute(insert(ingested_files).values(**row)).inserted_primary_key[0]
        if load is not None:
            load(conn, file_id)
    return file_id


def load_rows(
    conn: Connection,
    spec: DatasetSpec,
    campaign_id: str,
    file_id: int,
    accepted: pa.Table,
    quarantined: pa.Table,
    answers: pa.Table | None = None,
) -> None:
    """Load one read file's accepted rows and quarantine as its spec says (caller's transaction)."""
    from creator_ops.warehouse.bulk import bulk_insert, bulk_upsert

    per_file = {"file_id": file_id, "campaign_id": campaign_id}
    if spec.free_columns_are_questions:  # surveys: the responses, then one row per answered question
        bulk_insert(conn, survey_responses, accepted.select(load_columns(spec)), per_file)
        if answers is not None:
            rows = answers.select(["row_number", "question", "answer", "language"])
            bulk_insert(conn, survey_answers, rows, {"file_id": file_id})
    elif spec.load == "replace":
        keys = ["campaign_id", *spec.keys]
        bulk_upsert(conn, table_of(spec), accepted.select(load_columns(spec)), keys, per_file,
                    insert_only=spec.insert_only or None)  # fmt: skip
    else:
        bulk_insert(conn, table_of(spec), accepted.select(load_columns(spec)), per_file)
    bulk_insert(conn, metadata.tables["quarantine"], quarantined.select(list(QUARANTINE_COLUMNS)), {"file_id": file_id})


# --------------------------------------------------------------------------- quality batches


def _batch_query(spec: DatasetSpec, file_id: int):
    """Return the SELECT of one file's accepted rows in the spec's stored fields."""
    if spec.free_columns_are_questions:
        r, a = survey_responses, survey_answers
        joined = r.join(a, and_(a.c.file_id == r.c.file_id, a.c.row_number == r.c.row_number))
        return (
            select(r.c.creator_id, r.c.submitted_at, a.c.question, a.c.answer, a.c.language)
            .select_from(joined)
            .where(r.c.file_id == file_id)
            .order_by(r.c.row_number, a.c.question)
        )
    table = table_of(spec)
    query = select(*(table.c[name] for name in spec.stored_fields if name in table.c)).where(table.c.file_id == file_id)
    return query.order_by(table.c.row_number) if "row_number" in table.c else query


def load_batch(engine: Engine, dataset: str, file_id: int) -> pd.DataFrame:
    """Read one file's accepted rows back, timestamps as UTC and flags as booleans."""
    import pandas as pd

    spec = SPECS[dataset]
    with engine.connect() as conn:
        frame = pd.read_sql(_batch_query(spec, file_id), conn)
    for column in spec.time_columns:
        if column in frame:
            # SQLite returns naive text (stored as UTC); PostgreSQL returns aware values
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    for column in (f.column for f in spec.fields if f.kind == "bool"):
        if column in frame:
            frame[column] = frame[column].map(lambda v: None if v is None else bool(v))
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


def store_verdict(engine: Engine, campaign_id: str, run_id: str, file_id: int, report: Any) -> None:
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
