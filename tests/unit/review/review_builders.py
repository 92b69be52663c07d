"""A hand-built campaign for the review tests: every figure below is worked out by hand in the tests."""

from __future__ import annotations

import datetime as dt
import sys

import pyarrow as pa
from repo_paths import TESTS

sys.path.insert(0, str(TESTS / "unit" / "payouts"))

from payout_builders import IN_EVENT, ON_TIME, UTC, enrollments, exclusions, local, make_spec

from creator_ops.core.review import ReviewInputs

TS = pa.timestamp("us", tz="UTC")
__all__ = ["IN_EVENT", "ON_TIME", "local", "make_spec", "campaign_inputs", "order_table", "table"]


def table(rows: list[dict], **types: pa.DataType) -> pa.Table:
    """An Arrow table from rows (datetimes made UTC), with the given column types."""
    fixed = [{k: (v.astimezone(UTC) if isinstance(v, dt.datetime) else v) for k, v in r.items()} for r in rows]
    return pa.Table.from_pylist(fixed, schema=pa.schema(list(types.items())))


def order_table(*rows: dict) -> pa.Table:
    """Order lines with section 9 columns; defaults: completed, in the event, one line per order."""
    full = [
        {
            "order_id": r.get("order_id", f"o{i}"),
            "line_id": r.get("line_id", "1"),
            "creator_id": r["creator_id"],
            "order_time": r.get("order_time", IN_EVENT),
            "status": r.get("status", "completed"),
            "gmv_sen": r["gmv_sen"],
            "updated_at": r.get("updated_at"),
            "product_id": r.get("product_id"),
            "content_type": r.get("content_type"),
            "commission_sen": r.get("commission_sen", 0),
        }
        for i, r in enumerate(rows)
    ]
    return table(
        full,
        order_id=pa.string(),
        line_id=pa.string(),
        creator_id=pa.string(),
        order_time=TS,
        status=pa.string(),
        gmv_sen=pa.int64(),
        updated_at=TS,
        product_id=pa.string(),
        content_type=pa.string(),
        commission_sen=pa.int64(),
    )


def campaign_inputs() -> ReviewInputs:
    """The scd campaign of payout_builders (event 2027-03-10 KL, registration closes 03-09 23:59:59).

    a: invited, enrolled, sample COMPLETED (P1), posted in recruitment, sells 6,000.00 by VIDEO at 12:00
    b: invited, enrolled, sample PENDING then SHIPPED (P2), sells 1,500.00 by LIVE at 02:30
    c: enrolled, not invited, content before recruitment opened, only a cancelled order
    d: invited, never enrolled, sample SHIPPED (P1): costs, but is not "sampled"
    x: invited, enrolled, excluded, sample SHIPPED then CANCELLED; sells 9,900.00 (not counted)
    e: enrolled after registration closed; sells 50.00 (not counted)
    """
    orders = order_table(
        {"creator_id": "a", "gmv_sen": 600_000, "product_id": "P1", "content_type": " video ", "commission_sen": 1000},
        {
            "creator_id": "b",
            "gmv_sen": 150_000,
            "product_id": "P2",
            "content_type": "LIVE",
            "commission_sen": 500,
            "order_time": local("2027-03-10 02:30:00"),
        },
        {"creator_id": "c", "gmv_sen": 80_000, "status": "cancelled", "commission_sen": 700},
        {"creator_id": "x", "gmv_sen": 990_000, "product_id": "P1", "commission_sen": 9000},
        {"creator_id": "e", "gmv_sen": 5_000, "product_id": "P1"},
    )
    enrolled = enrollments(
        ("a", ON_TIME), ("b", ON_TIME), ("c", ON_TIME), ("x", ON_TIME), ("e", local("2027-03-10 01:00:00"))
    )
    invitations = table(
        [
            {"creator_id": c, "account_manager": m}
            for c, m in (("a", "aisyah"), ("b", "wei"), ("d", "wei"), ("x", None))
        ],
        creator_id=pa.string(),
        account_manager=pa.string(),
    )
    samples = table(
        [
            {"sample_id": "s1", "creator_id": "a", "product_id": "P1", "status": "COMPLETED"},
            {"sample_id": "s2", "creator_id": "b", "product_id": "P2", "status": "PENDING"},
            {"sample_id": "s3", "creator_id": "d", "product_id": "P1", "status": " shipped "},
            {"sample_id": "s4", "creator_id": "x", "product_id": "P2", "status": "SHIPPED"},
            {"sample_id": "s2", "creator_id": "b", "product_id": "P2", "status": "Shipped"},
            {"sample_id": "s4", "creator_id": "x", "product_id": "P2", "status": "CANCELLED_BY_SELLER"},
        ],
        sample_id=pa.string(),
        creator_id=pa.string(),
        product_id=pa.string(),
        status=pa.string(),
    )
    products = table(
        [
            {"product_id": "P1", "category": "beauty", "price_sen": 3000},
            {"product_id": "P2", "category": "fashion", "price_sen": 4550},
        ],
        product_id=pa.string(),
        category=pa.string(),
        price_sen=pa.int64(),
    )
    content = table(
        [
            {"creator_id": "a", "content_type": "VIDEO", "posted_at": local("2027-03-05 10:00:00"), "views": 100},
            {"creator_id": "c", "content_type": "VIDEO", "posted_at": local("2027-02-20 10:00:00"), "views": 100},
            {"creator_id": "d", "content_type": "LIVE", "posted_at": local("2027-03-10 10:00:00"), "views": 100},
        ],
        creator_id=pa.string(),
        content_type=pa.string(),
        posted_at=TS,
        views=pa.int64(),
    )
    return ReviewInputs(
        orders=orders,
        enrollments=enrolled,
        exclusions=exclusions("x"),
        invitations=invitations,
        samples=samples,
        products=products,
        content=content,
    )
