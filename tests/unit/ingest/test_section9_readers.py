"""SPEC section 9 readers: orders' new columns, products, invitations, samples and content.

Each file is written here the way real exports arrive (other header spellings, `RM`
money, `12.3K` views, `@Ids`, mixed timestamps), so every alias, default and quarantine
reason is checked against a row whose fate is known.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from creator_ops.core.ingest import FileRejected, read_dataset

KEY = b"unit-test-pii-key"
MYT = dt.timezone(dt.timedelta(hours=8))


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding, newline="")
    return path


def _read(path: Path, dataset: str):
    result = read_dataset(path, dataset, tz="Asia/Kuala_Lumpur", pii_key=KEY)
    assert result.rows_in == result.n_accepted + result.n_quarantined
    numbers = sorted(result.accepted["row_number"].tolist() + result.quarantined["row_number"].tolist())
    assert numbers == list(range(1, result.rows_in + 1))  # every input row accounted for, once
    return result


def _reasons(result) -> dict[int, str]:
    return dict(zip(result.quarantined["row_number"], result.quarantined["reason"], strict=True))


# --------------------------------------------------------------------------- orders


def test_affiliate_export_columns_product_content_type_and_actual_commission(tmp_path):
    path = _write(
        tmp_path,
        "orders.csv",
        "Order ID,SKU ID,Creator Username,Time Created,Order Status,Payment Amount,"
        "Fully returned or refunded,Product ID,Content Type,Actual Commission\n"
        '7001,1,@Aisyah.Glow ,12/12/2026 00:10,COMPLETED,"RM1,234.50",No,1730000001, live ,RM123.45\n'
        "7002,1,aisyah.glow,2026-12-12 01:00:00,COMPLETED,10.00,No,1730000002,,\n"
        "7003,1,aisyah.glow,2026-12-12 02:00:00,COMPLETED,20.00,No,,Showcase,2\n"
        "7004,1,aisyah.glow,2026-12-12 03:00:00,COMPLETED,30.00,No,1730000003,VIDEO,abc\n",
    )
    result = _read(path, "orders")
    rows = result.accepted_table.to_pylist()
    assert [r["order_id"] for r in rows] == ["7001", "7002", "7003"]
    assert [r["product_id"] for r in rows] == ["1730000001", "1730000002", None]
    assert [r["content_type"] for r in rows] == ["LIVE", "UNKNOWN", "SHOWCASE"]  # trimmed, upper-cased, missing
    assert [r["commission_sen"] for r in rows] == [12345, 0, 200]  # exact sen; blank is 0
    assert _reasons(result) == {4: "bad_money"}
    assert result.quarantined.iloc[0]["field"] == "commission_sen"


def test_orders_without_section9_columns_get_the_defaults(tmp_path):
    path = _write(
        tmp_path,
        "orders.csv",
        "order_id,line_id,creator_id,order_time,status,gmv_myr\n7001,1,a,2026-12-12T01:00:00+08:00,completed,5\n",
    )
    row = _read(path, "orders").accepted_table.to_pylist()[0]
    assert row["content_type"] == "UNKNOWN" and row["commission_sen"] == 0 and row["product_id"] is None


@pytest.mark.parametrize(
    "header", ["commission_myr", "Actual Commission", "ACTUAL_COMMISSION", "Commission (RM)", "Komisen"]
)
def test_commission_aliases(tmp_path, header):
    path = _write(
        tmp_path,
        "orders.csv",
        f"order_id,line_id,creator_id,order_time,status,gmv_myr,{header}\n"
        "7001,1,a,2026-12-12T01:00:00+08:00,completed,5,1.05\n",
    )
    assert _read(path, "orders").accepted.iloc[0]["commission_sen"] == 105


# --------------------------------------------------------------------------- products


def test_products_aliases_defaults_and_quarantine(tmp_path):
    path = _write(
        tmp_path,
        "products.csv",
        "Product ID;Product Name;Product Category;Price (RM);Sample Quota;Priority;Min Followers\n"
        "1730000001;Serum Vitamin C;Beauty;RM29.90;10;2;1.5K\n"  # 1: replaced by row 7 (the later row wins)
        "1730000002;Tudung Bawal;Fashion;19.90;3.0;;\n"  # 2: accepted, defaults
        "1730000003;Lip Matte;beauty;-5.00;10;1;0\n"  # 3: negative price
        "1730000004;Air Fryer;Home & Living;199.00;-1;1;0\n"  # 4: negative quota
        "1730000005;Power Bank;electronics;59.00;5;4;0\n"  # 5: priority out of 1-3
        "1730000006;Sambal;food;12.00;1.5;1;0\n"  # 6: quota not whole
        "1730000001;Serum again;beauty;30.00;5;1;0\n"  # 7: the same product again: this row is kept
        ";No id;beauty;10.00;5;1;0\n"  # 8: missing key
        "1.73E+09;Excel ate it;beauty;10.00;5;1;0\n"  # 9: id destroyed by Excel
        ";;;;;;\n",  # 10: empty row
    )
    result = _read(path, "products")
    assert _reasons(result) == {
        1: "duplicate_in_file",
        3: "out_of_range",
        4: "out_of_range",
        5: "out_of_range",
        6: "bad_number",
        8: "missing_key",
        9: "bad_id",
        10: "empty_row",
    }
    second, first = result.accepted_table.to_pylist()
    assert first == {
        "product_id": "1730000001", "name": "Serum again", "category": "beauty", "price_sen": 3000,
        "sample_quota": 5, "priority": 1, "min_followers": 0, "row_number": 7,
    }  # fmt: skip
    assert (second["sample_quota"], second["priority"], second["min_followers"]) == (3, 1, 0)
    detail = result.quarantined.set_index("row_number").loc[1, "detail"]
    assert "product '1730000001' appears again later in this file; the later row is kept" in detail


def test_products_file_without_price_is_rejected(tmp_path):
    path = _write(tmp_path, "products.csv", "product_id,name,sample_quota\n1,a,3\n")
    with pytest.raises(FileRejected, match="price_sen"):
        read_dataset(path, "products", pii_key=KEY)


# --------------------------------------------------------------------------- invitations


def test_invitations_with_personal_data_hashed(tmp_path):
    path = _write(
        tmp_path,
        "invites.csv",
        "Creator Username\tInvitation Time\tAccount Manager\tEmail\n"
        "@Aisyah.Glow \t20/11/2026 10:00\tWei Jie\tAisyah@Example.com\n"
        "farah_beauty\t2026-11-21T09:00:00Z\t\t\n"
        "\t2026-11-21T09:00:00Z\taisyah\t\n"
        "hafiz\tyesterday\taisyah\t\n"
        "hafiz\t\taisyah\t\n",
        encoding="utf-16",
    )
    result = _read(path, "invitations")
    assert _reasons(result) == {3: "missing_key", 4: "bad_timestamp", 5: "missing_value"}
    rows = result.accepted_table.to_pylist()
    assert rows[0]["creator_id"] == "aisyah.glow" and rows[0]["account_manager"] == "Wei Jie"
    assert rows[0]["invited_at"] == dt.datetime(2026, 11, 20, 10, tzinfo=MYT)
    assert len(rows[0]["email_hash"]) == 64 and "example" not in rows[0]["email_hash"].lower()
    assert rows[1]["account_manager"] is None and rows[1]["email_hash"] is None
    assert "Aisyah@Example.com" not in result.quarantined.to_json()


# --------------------------------------------------------------------------- samples


def test_samples_statuses_kept_upper_case_and_history_rows_all_accepted(tmp_path):
    path = _write(
        tmp_path,
        "samples.csv",
        "Sample Request ID,Creator,Product ID,Request Time,Sample Status,Shipped Time\n"
        "S1,@Aisyah.Glow,1730000001,2026-11-22 10:00:00,pending,\n"
        "S1,aisyah.glow,1730000001,2026-11-22 10:00:00, Shipped ,2026-11-23 09:00:00\n"
        "S2,farah,1730000002,2026-11-22 11:00:00,Cancelled by seller,\n"
        "S3,farah,,2026-11-22 11:00:00,PENDING,\n"
        "S4,farah,1730000002,2026-11-22 11:00:00,,\n"
        "S5,farah,1730000002,2026-11-22 11:00:00,SHIPPED,31/02/2026 10:00\n",
    )
    result = _read(path, "samples")
    assert _reasons(result) == {4: "missing_key", 5: "missing_value", 6: "bad_timestamp"}
    rows = result.accepted_table.to_pylist()
    assert [r["status"] for r in rows] == ["PENDING", "SHIPPED", "CANCELLED BY SELLER"]
    assert [r["sample_id"] for r in rows] == ["S1", "S1", "S2"]  # status changes are rows; the last landed wins
    assert rows[1]["shipped_at"] == dt.datetime(2026, 11, 23, 9, tzinfo=MYT)


def test_sample_status_rules():
    from creator_ops.core.samples import is_cancelled, is_posted, is_shipped

    assert [is_shipped(s) for s in ("shipped ", "Content_Pending", "COMPLETED", "PENDING", "CANCELLED")] == [
        True, True, True, False, False,
    ]  # fmt: skip
    assert is_posted(" completed") and not is_posted("CONTENT_PENDING")
    assert all(is_cancelled(s) for s in ("CANCELLED", "canceled_by_creator", "DELIVERY_FAILED", "fail"))
    assert not is_cancelled("COMPLETED")


# --------------------------------------------------------------------------- content


def test_content_aliases_views_and_gmv(tmp_path):
    path = _write(
        tmp_path,
        "content.csv",
        "Video ID,Creator Username,Content Type,Post Time,Video Views,Video GMV\n"
        'v1,@Aisyah.Glow,Video,2026-12-11 20:00:00,12.3K,"RM1,000.00"\n'
        "v2,aisyah.glow, live ,2026-12-12T00:30:00+08:00,1.2M,0\n"
        "v3,aisyah.glow,,2026-12-12T00:30:00+08:00,,\n"
        "v4,aisyah.glow,LIVE,2026-12-12T00:30:00+08:00,100,-5.00\n"
        "v5,aisyah.glow,LIVE,2026-12-12T00:30:00+08:00,lots,5.00\n"
        ",aisyah.glow,LIVE,2026-12-12T00:30:00+08:00,100,5.00\n",
    )
    result = _read(path, "content")
    assert _reasons(result) == {4: "negative_gmv", 5: "bad_number", 6: "missing_key"}
    rows = result.accepted_table.to_pylist()
    assert [(r["content_type"], r["views"], r["gmv_sen"]) for r in rows] == [
        ("VIDEO", 12_300, 100_000), ("LIVE", 1_200_000, 0), ("UNKNOWN", 0, 0),
    ]  # fmt: skip


@pytest.mark.parametrize("dataset", ["products", "invitations", "samples", "content"])
def test_file_without_the_key_column_is_rejected_naming_it(tmp_path, dataset):
    path = _write(tmp_path, "x.csv", "something,else\n1,2\n")
    with pytest.raises(FileRejected, match=f"missing required column\\(s\\) for {dataset}"):
        read_dataset(path, dataset, pii_key=KEY)
