"""The payout engine's inputs read from the warehouse (the CLI reads the same from files).

Input order (rule 1's "later row") is ingestion order: file_id, then row_number; only
each source's current files count (a superseded export is replaced, not added).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from creator_ops.core.payouts import PayoutInputs, inputs_digest
from creator_ops.core.times import as_utc_or_none
from creator_ops.warehouse.files import current_file_ids
from creator_ops.warehouse.schema import enrollments, exclusions, ingested_files, order_lines

if TYPE_CHECKING:
    from sqlalchemy import Engine


def load_warehouse_inputs(engine: Engine, campaign_id: str) -> PayoutInputs:
    """Read a campaign's order lines, enrollments and exclusions from the warehouse.

    Input order (rule 1's "later row") is ingestion order: file_id, then row_number.
    The inputs digest covers the content hashes of the contributing files and every
    exclusion, so a ledger row names exactly what it was computed from.
    """
    import pyarrow as pa

    ts = pa.timestamp("us", tz="UTC")
    with engine.connect() as conn:
        order_rows = conn.execute(
            select(
                order_lines.c.order_id,
                order_lines.c.line_id,
                order_lines.c.creator_id,
                order_lines.c.order_time,
                order_lines.c.status,
                order_lines.c.gmv_sen,
                order_lines.c.updated_at,
                order_lines.c.file_id,
                # SPEC section 9: carried through the eligible lines for the campaign review
                order_lines.c.product_id,
                order_lines.c.content_type,
                order_lines.c.commission_sen,
            )
            .where(
                order_lines.c.campaign_id == campaign_id,
                order_lines.c.file_id.in_(current_file_ids(campaign_id, "orders")),
            )
            .order_by(order_lines.c.file_id, order_lines.c.row_number)
        ).all()
        enrollment_rows = conn.execute(
            select(
                enrollments.c.creator_id,
                enrollments.c.registered_at,
                enrollments.c.is_new_creator,
                enrollments.c.file_id,
            )
            .where(
                enrollments.c.campaign_id == campaign_id,
                enrollments.c.file_id.in_(current_file_ids(campaign_id, "enrollments")),
            )
            .order_by(enrollments.c.file_id, enrollments.c.row_number)
        ).all()
        exclusion_rows = conn.execute(
            select(exclusions.c.creator_id, exclusions.c.reason)
            .where(exclusions.c.campaign_id == campaign_id)
            .order_by(exclusions.c.creator_id)
        ).all()
        file_ids = sorted({r.file_id for r in order_rows} | {r.file_id for r in enrollment_rows})
        files = (
            conn.execute(
                select(ingested_files.c.file_id, ingested_files.c.dataset, ingested_files.c.sha256)
                .where(ingested_files.c.file_id.in_(file_ids))
                .order_by(ingested_files.c.file_id)
            ).all()
            if file_ids
            else []
        )
    orders_table = pa.table(
        {
            "order_id": pa.array([r.order_id for r in order_rows], pa.string()),
            "line_id": pa.array([r.line_id for r in order_rows], pa.string()),
            "creator_id": pa.array([r.creator_id for r in order_rows], pa.string()),
            "order_time": pa.array([as_utc_or_none(r.order_time) for r in order_rows], ts),
            "status": pa.array([r.status for r in order_rows], pa.string()),
            "gmv_sen": pa.array([r.gmv_sen for r in order_rows], pa.int64()),
            "updated_at": pa.array([as_utc_or_none(r.updated_at) for r in order_rows], ts),
            "row_number": pa.array(range(1, len(order_rows) + 1), pa.int64()),
            "product_id": pa.array([r.product_id for r in order_rows], pa.string()),
            "content_type": pa.array([r.content_type for r in order_rows], pa.string()),
            "commission_sen": pa.array([r.commission_sen for r in order_rows], pa.int64()),
        }
    )
    enrollments_table = pa.table(
        {
            "creator_id": pa.array([r.creator_id for r in enrollment_rows], pa.string()),
            "registered_at": pa.array([as_utc_or_none(r.registered_at) for r in enrollment_rows], ts),
            "is_new_creator": pa.array([bool(r.is_new_creator) for r in enrollment_rows], pa.bool_()),
            "row_number": pa.array(range(1, len(enrollment_rows) + 1), pa.int64()),
        }
    )
    exclusions_table = pa.table({"creator_id": pa.array([r.creator_id for r in exclusion_rows], pa.string())})
    parts = [f"campaign:{campaign_id}"]
    parts += [f"file:{f.dataset}:{f.sha256}" for f in files]
    parts += [f"rows:orders:{len(order_rows)}", f"rows:enrollments:{len(enrollment_rows)}"]
    parts += [f"exclusion:{r.creator_id}" for r in exclusion_rows]
    return PayoutInputs(
        orders=orders_table,
        enrollments=enrollments_table,
        exclusions=exclusions_table,
        inputs_sha256=inputs_digest(parts),
        sources={
            "files": [{"file_id": f.file_id, "dataset": f.dataset, "sha256": f.sha256} for f in files],
            "order_lines": len(order_rows),
            "enrollments": len(enrollment_rows),
            "exclusions": len(exclusion_rows),
        },
    )
