"""Recruitment end to end on a real warehouse: an ops export and an API pull, ingested, shortlisted, rerun."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select
from test_recruitment_steps import make_ctx

from creator_ops.core.open_api import OpenApiClient, OpenApiConfig
from creator_ops.stand_ins.open_api import APP_KEY, APP_SECRET, SHOP_ID
from creator_ops.steps.ingest import ingest
from creator_ops.steps.recruitment import land_api_candidates, shortlist_candidates
from creator_ops.warehouse.schema import creators, ingested_files

pytestmark = pytest.mark.integration

# an affiliate-center style export: other headers, BOM, semicolons, RM amounts, K followers, @ids
OPS_EXPORT = (
    "\ufeffCreator Username;Nickname;Followers;Category;State;GMV 30d (MYR);Avg Views 30d\r\n"
    "@Aminah.Glow ;Aminah Glow;15.2K;Beauty;Selangor;RM40,000.00;3000\r\n"
    "@mei_shop;美美小铺;2000;fashion;Johor;RM5,000.00;800\r\n"
    "@kavi;கவிதா;120K;beauty;Perak;RM600,000.00;6000\r\n"
    "@nope;Bad Row;lots;beauty;Perak;RM1.00;1\r\n"
)
API_CREATORS = [
    {
        "username": "@Farid",
        "nickname": "Farid Style",
        "follower_count": 9000,
        "categories": [{"name": "fashion"}],
        "region_state": "Kedah",
        "gmv_30d": {"amount": "100.00", "currency": "MYR"},
        "avg_video_views_30d": 400,
    },
    # also in the ops export: ingested first (files go in path order), then the export's row wins
    {
        "username": "@mei_shop",
        "nickname": "Mei (API)",
        "follower_count": 1900,
        "categories": [{"name": "fashion"}],
        "region_state": "Johor",
        "gmv_30d": {"amount": "1.00", "currency": "MYR"},
        "avg_video_views_30d": 1,
    },
]


def test_export_and_api_pull_become_one_shortlist_and_rerun_identically(
    warehouse_engine, roots, fake_platform
):
    fake_platform.creators = API_CREATORS
    folder = roots / "landing" / "my_test_recruit" / "creators"
    folder.mkdir(parents=True)
    (folder / "ops_export.csv").write_bytes(OPS_EXPORT.encode("utf-8"))
    config = OpenApiConfig(
        base_url=fake_platform.url, app_key=APP_KEY, app_secret=APP_SECRET, shop_id=SHOP_ID
    )

    def run_stage():
        ctx = make_ctx(warehouse_engine)
        land_api_candidates(ctx, OpenApiClient(config).search_creators)
        return ingest(ctx, "creators"), shortlist_candidates(ctx)

    ingested, summary = run_stage()
    assert (ingested["files"], ingested["rows_in"], ingested["accepted"], ingested["quarantined"]) == (
        2,
        6,
        5,
        1,
    )
    assert summary["candidates"] == 4 and summary["shortlisted"] == 3  # mei_shop came twice
    with warehouse_engine.connect() as conn:
        rows = {r.creator_id: r for r in conn.execute(select(creators))}
    assert set(rows) == {"aminah.glow", "mei_shop", "kavi", "farid"}
    assert rows["mei_shop"].handle == "美美小铺" and rows["mei_shop"].gmv_30d_sen == 500_000
    assert rows["aminah.glow"].followers == 15_200
    listed = sorted((r.score, r.creator_id, r.account_manager) for r in rows.values() if r.shortlisted)
    # kavi 500+50+150 = 700; aminah 200+(3000/15200 → 1973 bp → 197)+100 = 497; mei 25+300+50 = 375
    assert listed == [(375, "mei_shop", "wei_jie"), (497, "aminah.glow", "wei_jie"), (700, "kavi", "aisyah")]
    assert rows["farid"].score == 94 and not rows["farid"].shortlisted

    out = roots / "output" / "my_test_recruit" / "recruitment" / "2026-11-25"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    shortlist = list(csv.DictReader(before["shortlist.csv"].decode("utf-8-sig").splitlines()))
    assert [r["creator_id"] for r in shortlist] == ["kavi", "aminah.glow", "mei_shop"]

    ingested_again, summary_again = run_stage()
    assert ingested_again["files"] == 0 and ingested_again["already_ingested"] == 2
    assert summary_again == summary
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    with warehouse_engine.connect() as conn:
        assert len(conn.execute(select(ingested_files.c.file_id)).all()) == 2
        again = {
            r.creator_id: (r.score, r.shortlisted, r.account_manager) for r in conn.execute(select(creators))
        }
    assert again == {c: (r.score, r.shortlisted, r.account_manager) for c, r in rows.items()}
