"""Recruitment steps on a real warehouse (SQLite and PostgreSQL): shortlist, store, write files, rerun."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from creator_ops.core.open_api import OpenApiClient, OpenApiConfig
from creator_ops.core.spec import parse_spec
from creator_ops.core.steps import StepContext, StepSkipped
from creator_ops.stand_ins.open_api import APP_KEY, APP_SECRET, SHOP_ID, make_creator
from creator_ops.steps.recruitment import land_api_candidates, shortlist_candidates
from creator_ops.warehouse.schema import creators

pytestmark = pytest.mark.integration
KL = dt.timezone(dt.timedelta(hours=8))
SPEC = {
    "id": "my_test_recruit",
    "name": "Recruitment test",
    "type": "double_digit",
    "timeline": {"event_start": dt.date(2026, 12, 12)},
    "recruitment": {
        "categories": ["beauty", "fashion"],
        "min_followers": 1000,
        "min_gmv_30d_myr": "100",
        "shortlist_size": 3,
        "account_managers": ["aisyah", "wei_jie"],
    },
}


def make_ctx(engine, spec_data=SPEC, day: int = 25) -> StepContext:
    spec = parse_spec(spec_data, "test.yaml")
    start = dt.datetime(2026, 11, day, tzinfo=KL)
    return StepContext(
        spec=spec,
        spec_path=Path("test.yaml"),
        run_id=f"scheduled__{day}",
        interval_start=start,
        interval_end=start + dt.timedelta(days=1),
        engine=engine,
    )


POOL = [
    # creator_id, handle, followers, category, state, gmv_30d_sen, avg_views_30d → expected score
    ("aminah", "Aminah Glow", 15_000, "beauty", "Selangor", 4_000_000, 3_000),  # 200+200+100 = 500
    ("mei", "美美小铺", 2_000, "Fashion", "Johor", 500_000, 800),  # 25+300+50 = 375
    (
        "kavitha",
        "கவிதா",
        120_000,
        "beauty",
        "Perak",
        60_000_000,
        6_000,
    ),  # 500+50+150 = 700 (6000/120000 = 5% → 500 bp → 50)
    ("farid", "Farid Style", 9_000, "fashion", "Kedah", 10_000, 400),  # 0+44+50 = 94
    ("tan", "Tan Gadgets", 500_000, "electronics", "Penang", 90_000_000, 1),  # screened: category
    ("small", "Small", 999, "beauty", "Sabah", 90_000_000, 1),  # screened: followers
]


def seed(engine, campaign="my_test_recruit"):
    rows = [
        dict(
            campaign_id=campaign,
            creator_id=c,
            handle=h,
            followers=f,
            category=cat,
            state=s,
            gmv_30d_sen=g,
            avg_views_30d=v,
        )
        for c, h, f, cat, s, g, v in POOL
    ]
    with engine.begin() as conn:
        conn.execute(insert(creators), rows)


def stored(engine):
    query = select(
        creators.c.creator_id, creators.c.score, creators.c.shortlisted, creators.c.account_manager
    )
    with engine.connect() as conn:
        return {r.creator_id: (r.score, r.shortlisted, r.account_manager) for r in conn.execute(query)}


def read_csv(path: Path):
    return list(csv.DictReader(path.read_bytes().decode("utf-8-sig").splitlines()))


def test_shortlist_is_stored_and_written_and_reruns_identically(warehouse_engine, roots):
    seed(warehouse_engine)
    ctx = make_ctx(warehouse_engine)
    summary = shortlist_candidates(ctx)
    assert summary["candidates"] == 6 and summary["passed_screening"] == 4 and summary["shortlisted"] == 3
    assert summary["screened_out"] == {"below_min_followers": 1, "category_not_targeted": 1}
    assert summary["per_account_manager"] == {"aisyah": 1, "wei_jie": 2}  # snake: a, b, b
    rows = stored(warehouse_engine)
    assert rows["kavitha"] == (700, True, "aisyah")
    assert rows["aminah"] == (500, True, "wei_jie")
    assert rows["mei"] == (375, True, "wei_jie")
    assert rows["farid"] == (94, False, None)
    assert rows["tan"] == (None, False, None) and rows["small"] == (None, False, None)

    folder = roots / "output" / "my_test_recruit" / "recruitment" / "2026-11-25"
    assert sorted(p.name for p in folder.iterdir()) == [
        "invites_aisyah.csv",
        "invites_wei_jie.csv",
        "screened_out.csv",
        "shortlist.csv",
    ]
    assert [(r["rank"], r["creator_id"], r["gmv_30d_myr"]) for r in read_csv(folder / "shortlist.csv")] == [
        ("1", "kavitha", "600000.00"),
        ("2", "aminah", "40000.00"),
        ("3", "mei", "5000.00"),
    ]
    assert [r["handle"] for r in read_csv(folder / "invites_wei_jie.csv")] == ["Aminah Glow", "美美小铺"]
    assert [r["handle"] for r in read_csv(folder / "invites_aisyah.csv")] == ["கவிதா"]

    files_before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert shortlist_candidates(make_ctx(warehouse_engine)) == summary
    assert stored(warehouse_engine) == rows
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == files_before


def test_a_tighter_spec_unshortlists_on_rerun(warehouse_engine, roots):
    seed(warehouse_engine)
    shortlist_candidates(make_ctx(warehouse_engine))
    tighter = json.loads(json.dumps(SPEC, default=str))
    tighter["recruitment"].update(shortlist_size=1, account_managers=["aisyah"])
    shortlist_candidates(make_ctx(warehouse_engine, tighter))
    rows = stored(warehouse_engine)
    assert [c for c, (_, listed, _) in rows.items() if listed] == ["kavitha"]
    assert rows["aminah"] == (500, False, None)
    folder = roots / "output" / "my_test_recruit" / "recruitment" / "2026-11-25"
    assert not (folder / "invites_wei_jie.csv").exists()


def test_other_campaigns_are_untouched(warehouse_engine, roots):
    seed(warehouse_engine)
    seed(warehouse_engine, campaign="another_campaign")
    shortlist_candidates(make_ctx(warehouse_engine))
    with warehouse_engine.connect() as conn:
        other = conn.execute(
            select(creators.c.score, creators.c.shortlisted).where(
                creators.c.campaign_id == "another_campaign"
            )
        ).all()
    assert {tuple(r) for r in other} == {(None, False)}


def test_no_candidates_skips_with_a_reason(warehouse_engine, roots):
    with pytest.raises(StepSkipped, match="no candidates for my_test_recruit"):
        shortlist_candidates(make_ctx(warehouse_engine))


def test_open_api_pull_lands_a_stable_canonical_csv(fake_platform, roots):
    fake_platform.creators = [make_creator(i) for i in range(75)]
    fake_platform.creators.append(
        {"nickname": "no username", "follower_count": 5}
    )  # lands raw, to quarantine
    config = OpenApiConfig(
        base_url=fake_platform.url, app_key=APP_KEY, app_secret=APP_SECRET, shop_id=SHOP_ID
    )
    ctx = make_ctx(engine=None)
    summary = land_api_candidates(ctx, OpenApiClient(config).search_creators)
    landed = roots / "landing" / "my_test_recruit" / "creators" / "api_marketplace_20261125.csv"
    assert summary == {"records": 76, "landed": str(landed)}
    rows = list(csv.DictReader(landed.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 76
    assert rows[0]["creator_id"] == "" and rows[0]["handle"] == "no username"
    row7 = next(r for r in rows if r["creator_id"] == "creator0007")
    assert row7 == {
        "creator_id": "creator0007",
        "handle": "美妆小铺 7",
        "followers": "1259",
        "category": "food",
        "state": "Johor",
        "gmv_30d_myr": "861.07",
        "avg_views_30d": "700",
    }
    body = json.loads(fake_platform.seen[0].body)
    assert body == {"category_names": ["beauty", "fashion"], "follower_count_range": {"min": 1000}}
    before = landed.read_bytes()
    fake_platform.creators.reverse()  # another page order, the same candidates: the same file
    land_api_candidates(ctx, OpenApiClient(config).search_creators)
    assert landed.read_bytes() == before


def test_landed_api_pull_reads_back_through_the_creators_reader(fake_platform, roots):
    from creator_ops.core.ingest import read_dataset
    from creator_ops.core.open_api import map_creator

    fake_platform.creators = [make_creator(i) for i in range(40)] + [{"nickname": "no username"}]
    config = OpenApiConfig(
        base_url=fake_platform.url, app_key=APP_KEY, app_secret=APP_SECRET, shop_id=SHOP_ID
    )
    summary = land_api_candidates(make_ctx(engine=None), OpenApiClient(config).search_creators)
    result = read_dataset(summary["landed"], "creators", tz="Asia/Kuala_Lumpur", pii_key=b"k")
    assert result.rows_in == 41 and result.n_accepted == 40 and result.n_quarantined == 1
    assert result.quarantined["reason"].tolist() == ["missing_key"]
    accepted = result.accepted.set_index("creator_id")
    for record in fake_platform.creators[:40]:
        expected = map_creator(record)
        row = accepted.loc[expected["creator_id"]]
        assert int(row["gmv_30d_sen"]) == expected["gmv_30d_sen"]
        assert int(row["followers"]) == expected["followers"]
        assert row["handle"] == expected["handle"]
