"""The payout engine's inputs read from the warehouse (the CLI reads the same from files).

Input order (rule 1's "later row") is ingestion order: file_id, then row_number; only
each source's current files count (a superseded export is replaced, not added).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from creator_ops.core.ingest.datasets import SPECS
from creator_ops.core.payouts import INPUT_COLUMNS, PayoutInputs, inputs_digest
from creator_ops.warehouse.files import current_file_ids
from creator_ops.warehouse.rows import arrow_column, arrow_table
from creator_ops.warehouse.schema import enrollments, exclusions, ingested_files, order_lines

if TYPE_CHECKING:
    from sqlalchemy import Engine


# The engine's input relations (core.payouts.INPUT_COLUMNS, from the data set registry) as stored
# columns; row_number is the input position, numbered here in ingestion order.
ORDER_COLUMNS = tuple(c for c, _, _ in INPUT_COLUMNS["orders"] if c != "row_number")
ENROLLMENT_COLUMNS = tuple(c for c, _, _ in INPUT_COLUMNS["enrollments"] if c != "row_number")


def _columns(conn, query, names: tuple[str, ...]) -> dict[str, list]:
    """Run `query` and return its columns as lists, straight from the DB-API rows.

    The rows skip SQLAlchemy's per-cell result processing (on 200,000 lines that was most
    of the load time); `rows.arrow_column` types them: SQLite hands timestamps back as UTC text
    and booleans as 0/1, PostgreSQL as aware datetimes and booleans.
    """
    result = conn.execute(query)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return {name: list(column) for name, column in zip(names, values, strict=True)}


def _relation(name: str, columns: dict[str, list], rows: int):
    """Return an input relation of the engine as Arrow, in its column order, row_number in ingestion order."""
    import pyarrow as pa

    spec = SPECS[name]
    return pa.table(
        {
            column: pa.array(range(1, rows + 1), pa.int64())
            if column == "row_number"
            else arrow_column(columns[column], spec.field(column).arrow_type)
            for column, _, _ in INPUT_COLUMNS[name]
        }
    )


def load_warehouse_inputs(engine: Engine, campaign_id: str) -> PayoutInputs:
    """Read a campaign's order lines, enrollments and exclusions from the warehouse.

    Input order (rule 1's "later row") is ingestion order: file_id, then row_number.
    The inputs digest covers the content hashes of the contributing files and every
    exclusion, so a ledger row names exactly what it was computed from.
    """

    o, e = order_lines, enrollments
    with engine.connect() as conn:
        orders = _columns(
            conn,
            select(*(o.c[name] for name in (*ORDER_COLUMNS, "file_id")))
            .where(o.c.campaign_id == campaign_id, o.c.file_id.in_(current_file_ids(campaign_id, "orders")))
            .order_by(o.c.file_id, o.c.row_number),
            (*ORDER_COLUMNS, "file_id"),
        )
        enrolled = _columns(
            conn,
            select(*(e.c[name] for name in (*ENROLLMENT_COLUMNS, "file_id")))
            .where(e.c.campaign_id == campaign_id, e.c.file_id.in_(current_file_ids(campaign_id, "enrollments")))
            .order_by(e.c.file_id, e.c.row_number),
            (*ENROLLMENT_COLUMNS, "file_id"),
        )
        exclusion_rows = conn.execute(
            select(exclusions.c.creator_id, exclusions.c.reason)
            .where(exclusions.c.campaign_id == campaign_id)
            .order_by(exclusions.c.creator_id)
        ).all()
        file_ids = sorted(set(orders["file_id"]) | set(enrolled["file_id"]))
        files = (
            conn.execute(
                select(ingested_files.c.file_id, ingested_files.c.dataset, ingested_files.c.sha256)
                .where(ingested_files.c.file_id.in_(file_ids))
                .order_by(ingested_files.c.file_id)
            ).all()
            if file_ids
            else []
        )
    n_orders, n_enrolled = len(orders["order_id"]), len(enrolled["creator_id"])
    orders_table = _relation("orders", orders, n_orders)
    enrollments_table = _relation("enrollments", enrolled, n_enrolled)
    exclusions_table = arrow_table(
        {"creator_id": [r.creator_id for r in exclusion_rows]}, SPECS["exclusions"].arrow_schema(("creator_id",))
    )
    parts = [f"campaign:{campaign_id}"]
    parts += [f"file:{f.dataset}:{f.sha256}" for f in files]
    parts += [f"rows:orders:{n_orders}", f"rows:enrollments:{n_enrolled}"]
    parts += [f"exclusion:{r.creator_id}" for r in exclusion_rows]
    return PayoutInputs(
        orders=orders_table,
        enrollments=enrollments_table,
        exclusions=exclusions_table,
        inputs_sha256=inputs_digest(parts),
        sources={
            "files": [{"file_id": f.file_id, "dataset": f.dataset, "sha256": f.sha256} for f in files],
            "order_lines": n_orders,
            "enrollments": n_enrolled,
            "exclusions": len(exclusion_rows),
        },
    )
