"""Loading landed files into the warehouse (SQLite and PostgreSQL): registry, archive, idempotency."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select, update

from creator_ops.steps.ingest import ingest
from creator_ops.warehouse import schema

UTC = dt.UTC


def _count(engine, table, **where) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def _rows(engine, query) -> list:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


def _utc(value: dt.datetime) -> dt.datetime:
    return (
        value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    )  # SQLite reads back naive UTC


def test_orders_load_reconciled_and_rerun_leaves_the_same_rows(
    warehouse_engine, export_files, landing, make_ctx
):
    landing("orders", export_files["orders_canonical_semicolon.csv"])
    landing("orders", export_files["orders_affiliate.xlsx"])
    ctx = make_ctx(warehouse_engine)
    summary = ingest(ctx, "orders")
    assert (summary["files"], summary["rows_in"], summary["accepted"], summary["quarantined"]) == (
        2,
        18,
        6,
        12,
    )
    lines = _rows(
        warehouse_engine,
        select(
            schema.order_lines.c.order_id,
            schema.order_lines.c.gmv_sen,
            schema.order_lines.c.order_time,
            schema.order_lines.c.status,
            schema.order_lines.c.source_status,
        ).order_by(schema.order_lines.c.file_id, schema.order_lines.c.row_number),
    )
    assert [(o, g) for o, g, *_ in lines] == [  # files in name order: the workbook first
        ("5770000000", 123450),
        ("7000000000", 8990),
        ("5770000003", 10),
        ("7000000002", 123450),
        ("7000000003", 1250),
        ("7000000003", 1250),
    ]
    assert _utc(lines[0][2]) == dt.datetime(2026, 12, 12, 2, 15, tzinfo=UTC)
    assert lines[1][3:] == ("returned", "Completed")
    files = _rows(
        warehouse_engine,
        select(
            schema.ingested_files.c.rows_in,
            schema.ingested_files.c.rows_accepted,
            schema.ingested_files.c.rows_quarantined,
            schema.ingested_files.c.status,
            schema.ingested_files.c.run_id,
        ),
    )
    assert all(
        rows_in == a + q and status == "accepted" and run == ctx.run_id
        for rows_in, a, q, status, run in files
    )
    assert _count(warehouse_engine, schema.quarantine) == 12

    again = ingest(make_ctx(warehouse_engine, run_id="manual__rerun"), "orders")
    assert (again["files"], again["already_ingested"]) == (0, 2)
    assert _count(warehouse_engine, schema.order_lines) == 6
    assert _count(warehouse_engine, schema.quarantine) == 12
    assert _count(warehouse_engine, schema.ingested_files) == 2


def test_same_content_under_another_name_is_ingested_once_and_files_are_archived_untouched(
    warehouse_engine, export_files, landing, make_ctx
):
    first = landing("orders", export_files["orders_affiliate_export.csv"])
    original = first.read_bytes()
    ingest(make_ctx(warehouse_engine), "orders")
    landing("orders", export_files["orders_affiliate_export.csv"], name="orders_affiliate_export (1).csv")
    summary = ingest(make_ctx(warehouse_engine), "orders")
    assert (summary["files"], summary["already_ingested"]) == (0, 2)
    assert _count(warehouse_engine, schema.order_lines) == 5
    assert first.read_bytes() == original  # never modified, never deleted
    (archived,) = _rows(
        warehouse_engine, select(schema.ingested_files.c.archived_uri, schema.ingested_files.c.sha256)
    )
    from pathlib import Path

    assert Path(archived[0]).read_bytes() == original
    assert archived[1] == hashlib.sha256(original).hexdigest()
    assert "_archive/orders/" in archived[0]


def test_rejected_files_are_recorded_kept_and_do_not_stop_the_others(
    warehouse_engine, export_files, landing, make_ctx
):
    bad = landing("orders", export_files["orders_missing_columns.csv"])
    landing("orders", export_files["orders_garbage.csv"])
    landing("orders", export_files["orders_ragged.csv"])
    summary = ingest(make_ctx(warehouse_engine), "orders")
    assert (summary["files"], summary["rejected"], summary["accepted"], summary["quarantined"]) == (
        3,
        2,
        2,
        2,
    )
    assert any("missing required column" in r for r in summary["rejections"])
    rejected = _rows(
        warehouse_engine,
        select(
            schema.ingested_files.c.source_uri,
            schema.ingested_files.c.rejection_reason,
            schema.ingested_files.c.rows_in,
        )
        .where(schema.ingested_files.c.status == "rejected")
        .order_by(schema.ingested_files.c.source_uri),
    )
    assert len(rejected) == 2 and rejected[1][0] == str(bad) and rejected[1][2] == 0
    assert bad.exists()
    assert (
        ingest(make_ctx(warehouse_engine), "orders")["already_ingested"] == 3
    )  # a rejection is recorded once


def test_enrollments_surveys_exclusions_and_pii(warehouse_engine, export_files, landing, make_ctx):
    landing("enrollments", export_files["enrollments_messy.tsv"])
    landing("enrollments", export_files["enrollments_unicode_text.txt"])
    landing("surveys", export_files["surveys_google_forms.csv"], name="pre_event/google_forms.csv")
    landing("exclusions", export_files["exclusions.jsonl"])
    ctx = make_ctx(warehouse_engine)
    assert ingest(ctx, "enrollments")["accepted"] == 7
    assert ingest(ctx, "surveys")["accepted"] == 3
    assert ingest(ctx, "exclusions")["accepted"] == 3
    enrolled = _rows(
        warehouse_engine,
        select(
            schema.enrollments.c.creator_id,
            schema.enrollments.c.registered_at,
            schema.enrollments.c.is_new_creator,
        ).order_by(schema.enrollments.c.file_id, schema.enrollments.c.row_number),
    )
    assert enrolled[0][0] == "siti.nur" and _utc(enrolled[0][1]) == dt.datetime(
        2026, 12, 1, 1, 30, tzinfo=UTC
    )
    assert [e[2] for e in enrolled[:4]] == [True, False, True, False]
    assert {r[0] for r in _rows(warehouse_engine, select(schema.survey_responses.c.survey_id))} == {
        "pre_event"
    }
    languages = {r[0] for r in _rows(warehouse_engine, select(schema.survey_answers.c.language))}
    assert languages == {"ms", "zh", "en", "ta"}
    assert _count(warehouse_engine, schema.exclusions, campaign_id=ctx.campaign_id) == 3
    # No clear-text personal data anywhere in the warehouse, quarantine included.
    raw = " ".join(str(r) for r in _rows(warehouse_engine, select(schema.quarantine.c.raw_json)))
    assert "example.com" not in raw and "hmac-sha256:" in raw


def test_creators_upsert_keeps_recruitment_columns(
    warehouse_engine, export_files, landing, make_ctx, tmp_path
):
    landing("creators", export_files["creators_pull.csv"])
    ctx = make_ctx(warehouse_engine)
    assert ingest(ctx, "creators")["accepted"] == 3
    with warehouse_engine.begin() as conn:
        conn.execute(
            update(schema.creators)
            .where(schema.creators.c.creator_id == "weijie_home")
            .values(score=99, shortlisted=True, account_manager="kavitha")
        )
    newer = tmp_path / "pull2.csv"
    newer.write_text("creator_id,followers\nweijie_home,1.5M\nnew.one,2K\n")
    landing("creators", newer)
    ingest(ctx, "creators")
    row = _rows(
        warehouse_engine,
        select(
            schema.creators.c.followers,
            schema.creators.c.score,
            schema.creators.c.shortlisted,
            schema.creators.c.account_manager,
        ).where(schema.creators.c.creator_id == "weijie_home"),
    )
    assert row == [(1500000, 99, True, "kavitha")]
    assert _count(warehouse_engine, schema.creators) == 4


def test_without_pii_key_ingestion_stops(warehouse_engine, export_files, landing, make_ctx, monkeypatch):
    from creator_ops.core.ingest import PiiKeyMissing

    monkeypatch.delenv("AIRFLOW_VAR_PII_HASH_KEY", raising=False)
    monkeypatch.delenv("CREATOR_OPS_DEMO", raising=False)
    landing("creators", export_files["creators_pull.csv"])
    with pytest.raises(PiiKeyMissing):
        ingest(make_ctx(warehouse_engine), "creators")
    assert _count(warehouse_engine, schema.ingested_files) == 0


def test_nothing_landed_is_an_empty_summary(warehouse_engine, landing, make_ctx):
    summary = ingest(make_ctx(warehouse_engine), "orders")
    assert (summary["files"], summary["rows_in"]) == (0, 0)
