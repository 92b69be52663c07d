"""The warehouse's readers hand over the registry's columns and types, instants in UTC, on both databases.

Every reader of a data set's stored rows (the payout inputs, the review's current rows, the creators
pull, the traffic rows) builds its Arrow table from the registry (`DatasetSpec.arrow_schema`,
`warehouse.rows`): the same columns and types whether SQLite or PostgreSQL answered, and whether
any row is stored yet.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from creator_ops.core.ingest.datasets import SPECS
from creator_ops.warehouse import schema
from creator_ops.warehouse.campaign_data import current_content, current_invitations, current_products, current_samples
from creator_ops.warehouse.payout_inputs import load_warehouse_inputs
from creator_ops.warehouse.review_inputs import experiment_creators, traffic_rows

UTC = pa.timestamp("us", "UTC")


def _readers(engine, campaign_id: str) -> dict[str, tuple[pa.Table, str]]:
    """Return {reader: (its table, the data set whose registry columns it holds)}."""
    payout = load_warehouse_inputs(engine, campaign_id)
    return {
        "orders": (payout.orders.drop(["row_number"]), "orders"),
        "enrollments": (payout.enrollments.drop(["row_number"]), "enrollments"),
        "exclusions": (payout.exclusions, "exclusions"),
        "products": (current_products(engine, campaign_id), "products"),
        "samples": (current_samples(engine, campaign_id).drop(["shipped", "posted", "cancelled"]), "samples"),
        "content": (current_content(engine, campaign_id), "content"),
        "invitations": (current_invitations(engine, campaign_id).drop(["source"]), "invitations"),
        "creators": (experiment_creators(engine, campaign_id).drop(["row_number"]), "creators"),
        "traffic": (traffic_rows(engine, campaign_id), "traffic"),
    }


def test_every_reader_hands_over_its_data_sets_registry_types(warehouse_engine):
    for reader, (table, dataset) in _readers(warehouse_engine, "nothing_landed").items():
        assert table.num_rows == 0
        assert table.schema == SPECS[dataset].arrow_schema(tuple(table.column_names)), reader
        # full data sets, except where a reader hands over a part on purpose
        if dataset not in ("exclusions", "creators", "invitations"):
            assert tuple(table.column_names) == SPECS[dataset].stored_fields, reader


def test_stored_instants_come_back_in_utc_from_either_database(warehouse_engine):
    at = dt.datetime(2026, 12, 12, 1, 30, tzinfo=dt.UTC)  # the warehouse stores UTC (SQLite keeps it naive)
    with warehouse_engine.begin() as conn:
        file_id = conn.execute(
            schema.ingested_files.insert().values(
                campaign_id="c", dataset="samples", source_uri="samples.csv", sha256="a" * 64, size_bytes=1,
                status="accepted", ingested_at=at,
            )
        ).inserted_primary_key[0]
        conn.execute(schema.samples.insert().values(
            file_id=file_id, row_number=1, campaign_id="c", sample_id="s1", creator_id="alice", product_id="P1",
            requested_at=at, status="SHIPPED", shipped_at=None))  # fmt: skip
    samples = current_samples(warehouse_engine, "c")
    assert samples.schema.field("requested_at").type == UTC
    assert samples["requested_at"].to_pylist() == [dt.datetime(2026, 12, 12, 1, 30, tzinfo=dt.UTC)]
    assert samples["shipped_at"].to_pylist() == [None] and samples["shipped"].to_pylist() == [True]
