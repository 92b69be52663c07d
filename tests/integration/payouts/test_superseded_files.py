"""A corrected export landed under the same name replaces the earlier file's rows for payouts."""

from __future__ import annotations

import datetime as dt

from creator_ops.warehouse.payout_inputs import load_warehouse_inputs
from creator_ops.warehouse.schema import enrollments, ingested_files, order_lines

T = dt.datetime(2026, 12, 12, 4, tzinfo=dt.UTC)


def _file(conn, file_id: int, dataset: str, uri: str, sha: str) -> None:
    conn.execute(
        ingested_files.insert(),
        {
            "file_id": file_id, "campaign_id": "c", "dataset": dataset, "source_uri": uri, "sha256": sha,
            "size_bytes": 1, "status": "accepted", "rows_in": 1, "rows_accepted": 1, "rows_quarantined": 0,
            "ingested_at": T,
        },
    )


def _line(conn, file_id: int, order_id: str, gmv_sen: int) -> None:
    conn.execute(
        order_lines.insert(),
        {
            "file_id": file_id, "row_number": 1, "campaign_id": "c", "order_id": order_id, "line_id": "1",
            "creator_id": "alice", "order_time": T, "status": "completed", "gmv_sen": gmv_sen,
        },
    )


def test_only_current_files_feed_the_engine(warehouse_engine):
    with warehouse_engine.begin() as conn:
        _file(conn, 1, "orders", "landing/c/orders/day1.csv", "a" * 64)
        _line(conn, 1, "bad-order", 999_999_00)
        _file(conn, 2, "orders", "landing/c/orders/day2.csv", "b" * 64)
        _line(conn, 2, "o2", 100_00)
        _file(conn, 3, "orders", "landing/c/orders/day1.csv", "c" * 64)  # day 1 re-landed, corrected
        _line(conn, 3, "o1", 250_00)
        _file(conn, 4, "enrollments", "landing/c/enrollments/e.csv", "d" * 64)
        conn.execute(
            enrollments.insert(),
            {"file_id": 4, "row_number": 1, "campaign_id": "c", "creator_id": "alice", "registered_at": T, "is_new_creator": False},
        )
    inputs = load_warehouse_inputs(warehouse_engine, "c")
    assert sorted(inputs.orders.column("order_id").to_pylist()) == ["o1", "o2"]
    assert inputs.enrollments.num_rows == 1
