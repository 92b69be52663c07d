"""Matchmaking history on a real warehouse: past campaigns' GMV is their eligible lines (SPEC 5 rules 1-2).

A line landed twice counts once, a line re-landed as cancelled no longer counts, a status
with stray whitespace is read as the payouts read it, and lines outside the past campaign's
event or of creators it never enrolled do not count.
"""

from __future__ import annotations

import datetime as dt

import pytest

from creator_ops.core.spec import parse_spec
from creator_ops.warehouse.schema import campaigns, enrollments, ingested_files, order_lines, products

pytestmark = pytest.mark.integration
PAST = parse_spec(
    {"id": "past_scd", "name": "Past SCD", "type": "scd", "timeline": {"event_start": dt.date(2026, 9, 10)}},
    "past_scd.yaml",
)
EVENT = dt.datetime(2026, 9, 9, 17, tzinfo=dt.UTC)  # 10 Sep 01:00 in Kuala Lumpur, in the event
T0 = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)


def _file(conn, file_id: int, dataset: str) -> None:
    conn.execute(ingested_files.insert().values(
        file_id=file_id, campaign_id="past_scd", dataset=dataset, source_uri=f"/landing/past_scd/{dataset}/{file_id}",
        sha256=f"past{file_id}".ljust(64, "0"), size_bytes=1, status="accepted", rows_in=1, rows_accepted=1,
        rows_quarantined=0, ingested_at=T0 + dt.timedelta(minutes=file_id),
    ))  # fmt: skip


def _line(file_id, row, order_id, line_id, creator, status, gmv_sen, product="serum", at=EVENT):
    return {
        "file_id": file_id, "row_number": row, "campaign_id": "past_scd", "order_id": order_id, "line_id": line_id,
        "creator_id": creator, "order_time": at, "status": status, "gmv_sen": gmv_sen, "product_id": product,
    }  # fmt: skip


def test_history_counts_each_past_line_once_by_the_eligible_lines_definition(warehouse_engine):
    with warehouse_engine.begin() as conn:
        conn.execute(campaigns.insert().values(
            campaign_id=PAST.id, name=PAST.name, campaign_type=PAST.type, spec_sha256="0" * 64,
            spec_json=PAST.model_dump_json(), updated_at=T0,
        ))  # fmt: skip
        for file_id, dataset in ((1, "enrollments"), (2, "products"), (3, "orders"), (4, "orders")):
            _file(conn, file_id, dataset)
        conn.execute(enrollments.insert(), [
            {"file_id": 1, "row_number": n, "campaign_id": "past_scd", "creator_id": c,
             "registered_at": T0, "is_new_creator": False}
            for n, c in enumerate(["aina", "ben"], start=1)
        ])  # fmt: skip
        conn.execute(products.insert(), [
            {"file_id": 2, "row_number": 1, "campaign_id": "past_scd", "product_id": "serum", "category": "beauty",
             "price_sen": 100, "sample_quota": 1, "priority": 1, "min_followers": 0},
            {"file_id": 2, "row_number": 2, "campaign_id": "past_scd", "product_id": "tee", "category": "fashion",
             "price_sen": 100, "sample_quota": 1, "priority": 1, "min_followers": 0},
        ])  # fmt: skip
        conn.execute(order_lines.insert(), [
            _line(3, 1, "o1", "l1", "aina", "COMPLETED", 10_000),
            _line(3, 2, "o2", "l1", "aina", "COMPLETED", 5_000, product="tee"),
            _line(3, 3, "o3", "l1", "ben", "completed\t", 7_000),
            _line(3, 4, "o4", "l1", "ben", "COMPLETED", 9_000, at=EVENT + dt.timedelta(days=2)),  # after the event
            _line(3, 5, "o5", "l1", "ghost", "COMPLETED", 4_000),  # never enrolled
            # the next export re-lands o1 unchanged and o2 cancelled
            _line(4, 1, "o1", "l1", "aina", "COMPLETED", 10_000),
            _line(4, 2, "o2", "l1", "aina", "CANCELLED", 5_000, product="tee"),
        ])  # fmt: skip

    from creator_ops.figures.mechanisms import history_rows

    assert history_rows(warehouse_engine, "mech_test") == [("aina", "beauty", 10_000), ("ben", "beauty", 7_000)]
    assert history_rows(warehouse_engine, "past_scd") == []  # a campaign's own lines are not its history
