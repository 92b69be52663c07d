"""SPEC section 9 data in the warehouse (SQLite and PostgreSQL): loading, quality, and the current rows.

The readers of `creator_ops.warehouse.campaign_data` are what the review, matchmaking and
traffic allocation read: current files only, the row landed last per key, and invitations
from files and from the recruitment stage's own lists.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select, update

from creator_ops.steps.ingest import ingest
from creator_ops.steps.quality import untrusted_datasets, validate
from creator_ops.warehouse import schema
from creator_ops.warehouse.campaign_data import (
    current_content,
    current_invitations,
    current_products,
    current_samples,
    record_recruitment_invitations,
)

UTC = dt.UTC


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "src" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


SAMPLES_DAY1 = (
    "sample_id,creator_id,product_id,requested_at,status,shipped_at\n"
    "S1,@Aisyah.Glow,P1,2026-11-25 10:00:00,PENDING,\n"
    "S2,farah,P2,2026-11-25 11:00:00,AWAITING_SHIPMENT,\n"
    "S3,farah,P1,2026-11-25 12:00:00,PENDING,\n"
)
SAMPLES_DAY2 = (
    "sample_id,creator_id,product_id,requested_at,status,shipped_at\n"
    "S1,aisyah.glow,P1,2026-11-25 10:00:00,SHIPPED,2026-11-26 09:00:00\n"
    "S2,farah,P2,2026-11-25 11:00:00,cancelled,\n"
    "S1,aisyah.glow,P1,2026-11-25 10:00:00,COMPLETED,2026-11-26 09:00:00\n"
)


def test_samples_last_landed_status_wins_and_superseded_files_do_not_count(
    warehouse_engine, landing, make_ctx, tmp_path
):
    ctx = make_ctx(warehouse_engine)
    landing("samples", _file(tmp_path, "day1.csv", SAMPLES_DAY1))
    assert ingest(ctx, "samples")["accepted"] == 3
    landing("samples", _file(tmp_path, "day2.csv", SAMPLES_DAY2))
    assert ingest(ctx, "samples")["accepted"] == 3
    rows = {r["sample_id"]: r for r in current_samples(warehouse_engine, ctx.campaign_id).to_pylist()}
    assert {k: (r["status"], r["shipped"], r["posted"], r["cancelled"]) for k, r in rows.items()} == {
        "S1": ("COMPLETED", True, True, False),  # the later row of the later file
        "S2": ("CANCELLED", False, False, True),
        "S3": ("PENDING", False, False, False),
    }
    assert rows["S1"]["shipped_at"] == dt.datetime(2026, 11, 26, 1, tzinfo=UTC)
    assert rows["S1"]["creator_id"] == "aisyah.glow"
    # day 2 re-landed under its name without S1's COMPLETED row: that file now speaks for day 2
    landing("samples", _file(tmp_path, "day2b.csv", SAMPLES_DAY2.rsplit("S1,", 1)[0]), name="day2.csv")
    ingest(ctx, "samples")
    assert current_samples(warehouse_engine, ctx.campaign_id).to_pydict()["status"] == [
        "SHIPPED", "CANCELLED", "PENDING",
    ]  # fmt: skip


def test_products_content_latest_landing_per_key(warehouse_engine, landing, make_ctx, tmp_path):
    ctx = make_ctx(warehouse_engine)
    landing(
        "products",
        _file(
            tmp_path,
            "selection.csv",
            "product_id,name,category,price_myr,sample_quota,priority\nP1,Serum,Beauty,29.90,10,2\nP2,Tudung,fashion,19.90,5,\n",
        ),
    )
    landing(
        "products",
        _file(
            tmp_path,
            "selection_update.csv",
            "product_id,name,category,price_myr,sample_quota\nP1,Serum,beauty,25.00,0\n",
        ),
    )
    assert ingest(ctx, "products")["accepted"] == 3
    products = current_products(warehouse_engine, ctx.campaign_id).to_pylist()
    assert [
        (p["product_id"], p["price_sen"], p["sample_quota"], p["priority"], p["min_followers"]) for p in products
    ] == [
        ("P1", 2500, 0, 1, 0),
        ("P2", 1990, 5, 1, 0),
    ]
    landing(
        "content",
        _file(
            tmp_path,
            "content.csv",
            "content_id,creator_id,content_type,posted_at,views,gmv_myr\n"
            "v1,aisyah.glow,video,2026-12-11 20:00:00,1.2K,10.00\n"
            "v2,farah,LIVE,2026-12-12 00:30:00,500,0\n"
            "v1,aisyah.glow,VIDEO,2026-12-11 20:00:00,5K,80.00\n",
        ),
    )
    ingest(ctx, "content")
    content = current_content(warehouse_engine, ctx.campaign_id).to_pylist()
    assert [(c["content_id"], c["content_type"], c["views"], c["gmv_sen"]) for c in content] == [
        ("v1", "VIDEO", 5000, 8000),
        ("v2", "LIVE", 500, 0),
    ]
    assert content[0]["posted_at"] == dt.datetime(2026, 12, 11, 12, tzinfo=UTC)


def test_invitations_from_files_and_from_recruitment(warehouse_engine, landing, make_ctx, tmp_path):
    ctx = make_ctx(warehouse_engine)
    landing(
        "invitations",
        _file(
            tmp_path,
            "invites.csv",
            "creator,invited_at,account_manager\n@Aisyah.Glow,2026-11-21 10:00:00,wei_jie\nfarah,2026-11-25 10:00:00,aisyah\n",
        ),
    )
    ingest(ctx, "invitations")
    early = dt.datetime(2026, 11, 22, tzinfo=UTC)
    record_recruitment_invitations(
        warehouse_engine, ctx.campaign_id, [("farah", "kavitha"), ("hafiz", None)], early, "run1"
    )
    # a later run shortlists the same creators again: the first invitation stays
    record_recruitment_invitations(
        warehouse_engine, ctx.campaign_id, [("hafiz", "aisyah")], early + dt.timedelta(days=1), "run2"
    )
    invited = current_invitations(warehouse_engine, ctx.campaign_id).to_pylist()
    assert [(i["creator_id"], i["account_manager"], i["source"]) for i in invited] == [
        ("aisyah.glow", "wei_jie", "file"),
        ("farah", "kavitha", "recruitment"),  # invited by recruitment before the file's invitation
        ("hafiz", None, "recruitment"),
    ]
    assert invited[0]["invited_at"] == dt.datetime(2026, 11, 21, 2, tzinfo=UTC)


def test_orders_carry_product_content_type_and_commission(warehouse_engine, landing, make_ctx, tmp_path):
    ctx = make_ctx(warehouse_engine)
    landing(
        "orders",
        _file(
            tmp_path,
            "orders.csv",
            "Order ID,SKU ID,Creator Username,Time Created,Order Status,Payment Amount,Product ID,Content Type,Actual Commission\n"
            "7001,1,aisyah.glow,2026-12-12 01:00:00,COMPLETED,100.00,P1,Live,12.00\n"
            "7002,1,aisyah.glow,2026-12-12 01:00:00,COMPLETED,50.00,,,\n",
        ),
    )
    ingest(ctx, "orders")
    t = schema.order_lines
    with warehouse_engine.connect() as conn:
        rows = conn.execute(select(t.c.product_id, t.c.content_type, t.c.commission_sen).order_by(t.c.row_number)).all()
    assert [tuple(r) for r in rows] == [("P1", "LIVE", 1200), (None, "UNKNOWN", 0)]
    report = validate(ctx, "orders")
    assert report["passed"], report["failed"]


def test_quality_suites_of_the_new_data_sets_run_on_the_warehouse(warehouse_engine, landing, make_ctx, tmp_path):
    ctx = make_ctx(warehouse_engine)
    landing("samples", _file(tmp_path, "s.csv", SAMPLES_DAY1))
    landing(
        "content",
        _file(
            tmp_path,
            "c.csv",
            "content_id,creator_id,content_type,posted_at,views,gmv_myr\nv1,a,VIDEO,2025-01-01 00:00:00,1,1\n",
        ),
    )
    ingest(ctx, "samples")
    ingest(ctx, "content")
    assert validate(ctx, "samples")["passed"]
    content = validate(ctx, "content")
    assert not content["passed"] and "posted_during_campaign" in content["failed"]
    assert untrusted_datasets(warehouse_engine, ctx.campaign_id) == {"content": ["posted_during_campaign"]}
    # retiring the bad file (status superseded) removes it from the current rows and from the verdict
    with warehouse_engine.begin() as conn:
        conn.execute(
            update(schema.ingested_files)
            .where(schema.ingested_files.c.dataset == "content")
            .values(status="superseded")
        )
    assert current_content(warehouse_engine, ctx.campaign_id).num_rows == 0
    assert untrusted_datasets(warehouse_engine, ctx.campaign_id) == {}
    with warehouse_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.content)).scalar_one() == 1  # lineage kept
