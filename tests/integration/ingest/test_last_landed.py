""""The row landed last" written once: a creators file listing a creator twice gives the later row's X.

The reader keeps the later row (the earlier one is quarantined as duplicate_in_file), a later
landing replaces it again, and the review's covariate X (SPEC 12) reads that row, on the warehouse
path and on the command line's files alike.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
from sqlalchemy import select

from creator_ops.core.ingest import read_dataset
from creator_ops.core.payouts import register_input
from creator_ops.core.review.experiments import EXPERIMENT_COLUMNS, _covariate
from creator_ops.steps.ingest import ingest
from creator_ops.warehouse import schema
from creator_ops.warehouse.review_inputs import experiment_creators

HEADER = "creator_id,handle,followers,category,state,gmv_30d_myr,avg_views_30d\n"
TWICE = HEADER + (
    "alice,Alice,12000,beauty,Selangor,100.00,500\n"
    "bob,Bob,8000,fashion,Johor,40.00,300\n"
    "@Alice ,Alice again,13000,beauty,Selangor,250.00,700\n"
)
LATER = HEADER + "bob,Bob,9000,fashion,Johor,45.00,310\n"


def _x(creators) -> dict[str, int]:
    con = duckdb.connect()
    register_input(con, "exp_creators", creators, EXPERIMENT_COLUMNS["creators"])
    return _covariate(con)


def test_the_reader_keeps_the_later_row_of_a_creator(tmp_path):
    path = tmp_path / "creators.csv"
    path.write_text(TWICE, encoding="utf-8")
    result = read_dataset(path, "creators", tz="Asia/Kuala_Lumpur")
    assert result.accepted["creator_id"].tolist() == ["bob", "alice"]
    assert result.accepted["gmv_30d_sen"].tolist() == [4000, 25000]
    assert result.quarantined["row_number"].tolist() == [1] and result.quarantined["reason"].tolist() == [
        "duplicate_in_file"
    ]
    assert "the later row is kept" in result.quarantined["detail"][0]
    assert _x(result.accepted_table) == {"alice": 25000, "bob": 4000}  # the command line's review


def test_the_review_reads_the_creators_row_landed_last(warehouse_engine, landing, make_ctx, tmp_path):
    first = tmp_path / "creators_1.csv"
    first.write_text(TWICE, encoding="utf-8")
    landing("creators", first)
    ctx = make_ctx(warehouse_engine)
    summary = ingest(ctx, "creators")
    assert (summary["accepted"], summary["quarantined"]) == (2, 1)
    second = tmp_path / "creators_2.csv"
    second.write_text(LATER, encoding="utf-8")
    landing("creators", second)
    ingest(ctx, "creators")

    c = schema.creators
    with warehouse_engine.connect() as conn:
        stored = dict(conn.execute(select(c.c.creator_id, c.c.gmv_30d_sen).where(c.c.campaign_id == ctx.spec.id)).all())
    assert stored == {"alice": 25000, "bob": 4500}
    creators = experiment_creators(warehouse_engine, ctx.spec.id)
    assert _x(creators) == {"alice": 25000, "bob": 4500}
    # the same rule over rows handed over in landing order: the later landing wins
    landed = pa.table({"creator_id": ["bob", "alice", "bob"], "gmv_30d_sen": [4000, 25000, 4500],
                       "row_number": [1, 2, 3]})  # fmt: skip
    assert _x(landed) == {"alice": 25000, "bob": 4500}


def test_payees_listing_a_creator_twice_give_the_later_row_everywhere(warehouse_engine):
    """The payees reader keeps every row; the current payee is the row landed last, for finance and the page."""
    import datetime as dt

    from cryptography.fernet import Fernet

    from creator_ops.core.finance.crypto import PayeeCipher
    from creator_ops.core.finance.payees import Payee
    from creator_ops.warehouse.payees import current_payees, load_payees_rows, masked_payees

    cipher = PayeeCipher(Fernet.generate_key().decode())
    first = Payee("alice", "individual", True, "Alice Wong", "NRIC", "900101145671")
    again = Payee("alice", "individual", False, "Alice Wong", "PASSPORT", "A1234567")
    carol = Payee("carol", "corporation", False, "Carol Sdn Bhd", "BRN", "201901012345")
    file_row = {"campaign_id": "c", "dataset": "payees", "source_uri": "payees.csv", "size_bytes": 1,
                "status": "accepted", "ingested_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)}  # fmt: skip
    with warehouse_engine.begin() as conn:
        file_id = conn.execute(schema.ingested_files.insert().values(sha256="a" * 64, **file_row)).inserted_primary_key[0]
        # the later row of the file is written first: the rule is the row order, not the insert order
        load_payees_rows(conn, file_id, "c", [(3, again), (1, first), (2, carol)], [], cipher)
    now = current_payees(warehouse_engine, cipher)
    assert (now["alice"].resident, now["alice"].id_type, now["carol"].entity_type) == (False, "PASSPORT", "corporation")
    shown = {p["creator_id"]: p for p in masked_payees(warehouse_engine)}
    assert (shown["alice"]["resident"], shown["alice"]["id_type"]) == (False, "PASSPORT")
    with warehouse_engine.begin() as conn:  # a later landing wins over any row of an earlier one
        later = conn.execute(schema.ingested_files.insert().values(sha256="b" * 64, **file_row)).inserted_primary_key[0]
        load_payees_rows(conn, later, "c", [(1, first)], [], cipher)
    assert current_payees(warehouse_engine, cipher)["alice"].id_type == "NRIC"
    assert {p["creator_id"]: p["id_type"] for p in masked_payees(warehouse_engine)} == {"alice": "NRIC", "carol": "BRN"}
