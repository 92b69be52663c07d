"""Matchmaking and traffic steps on a real warehouse (SQLite and PostgreSQL), without Airflow.

The list is computed from the warehouse's enrolled creators, current products and every
campaign's samples; BD's approval freezes it (who, when) and later runs leave it and its
files alone; a rejection re-opens matchmaking. Traffic re-allocates what is left hour by
hour and the overview reads budget spent and expected against actual GMV.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from creator_ops.core.spec import parse_spec
from creator_ops.core.steps import StepContext, StepSkipped
from creator_ops.core.times import format_local
from creator_ops.steps import matchmaking as mm
from creator_ops.steps import traffic as tr
from creator_ops.warehouse import mechanisms as wh
from creator_ops.warehouse.schema import (
    content,
    creators,
    enrollments,
    ingested_files,
    order_lines,
    products,
    samples,
)

pytestmark = pytest.mark.integration
SPEC = {
    "id": "mech_test",
    "name": "Mechanisms test",
    "type": "scd",
    "timeline": {"event_start": dt.date(2027, 3, 10)},  # recruitment from 28 Feb, event 10 Mar (24 h)
    "recruitment": {"account_managers": ["aisyah", "wei_jie"]},
    "matchmaking": {"max_products_per_creator": 1},
    "traffic": {"budget_myr": 240, "cpm_myr": 10, "step_myr": 100, "efficiency": [1, "0.5"]},
    "runbook": [{"id": "bd_matchmaking_signoff", "title": "BD confirms the list", "due": "event_start - 5d"}],
}
T0 = dt.datetime(2027, 3, 1, 16, tzinfo=dt.UTC)  # 2 Mar 00:00 in Kuala Lumpur


def _file(conn, file_id: int, dataset: str, campaign: str = "mech_test") -> None:
    conn.execute(ingested_files.insert().values(
        file_id=file_id, campaign_id=campaign, dataset=dataset, source_uri=f"/landing/{campaign}/{dataset}/{file_id}",
        sha256=f"{campaign}{file_id}".ljust(64, "0"), size_bytes=1, status="accepted", rows_in=1, rows_accepted=1,
        rows_quarantined=0, ingested_at=T0,
    ))  # fmt: skip


def seed_matchmaking(engine) -> None:
    with engine.begin() as conn:
        for file_id, dataset in ((1, "enrollments"), (2, "products"), (3, "samples")):
            _file(conn, file_id, dataset)
        _file(conn, 9, "samples", campaign="older_campaign")
        people = [  # creator, category, followers, gmv_30d_sen, account manager
            ("aina", "beauty", 50_000, 200_000, "aisyah"),
            ("ben", "beauty", 8_000, 150_000, "wei_jie"),
            ("chong", "fashion", 20_000, 90_000, None),
        ]
        conn.execute(creators.insert(), [
            {"campaign_id": "mech_test", "creator_id": c, "category": cat, "followers": f, "gmv_30d_sen": g,
             "account_manager": am, "shortlisted": am is not None}
            for c, cat, f, g, am in people
        ])  # fmt: skip
        conn.execute(enrollments.insert(), [
            {"file_id": 1, "row_number": n, "campaign_id": "mech_test", "creator_id": c,
             "registered_at": T0 - dt.timedelta(days=1), "is_new_creator": False}
            for n, c in enumerate(["aina", "ben", "chong", "ghost"], start=1)
        ])  # fmt: skip
        conn.execute(products.insert(), [
            {"file_id": 2, "row_number": 1, "campaign_id": "mech_test", "product_id": "serum", "name": "Serum",
             "category": "beauty", "price_sen": 5990, "sample_quota": 1, "priority": 3, "min_followers": 1000},
            {"file_id": 2, "row_number": 2, "campaign_id": "mech_test", "product_id": "tee", "name": "Tee",
             "category": "fashion", "price_sen": 2500, "sample_quota": 2, "priority": 1, "min_followers": 0},
        ])  # fmt: skip
        conn.execute(samples.insert(), [  # aina posted one earlier sample (another campaign): reliability 2/3
            {"file_id": 9, "row_number": 1, "campaign_id": "older_campaign", "sample_id": "s1", "creator_id": "aina",
             "product_id": "x", "requested_at": T0 - dt.timedelta(days=90), "status": "COMPLETED"},
        ])  # fmt: skip


def ctx_at(engine, start: dt.datetime, hours: int = 24) -> StepContext:
    spec = parse_spec(SPEC, "mech_test.yaml")
    return StepContext(
        spec=spec, spec_path=Path("mech_test.yaml"), run_id=f"scheduled__{start.isoformat()}",
        interval_start=start, interval_end=start + dt.timedelta(hours=hours), engine=engine,
    )  # fmt: skip


def test_list_is_stored_written_frozen_and_never_changed_again(warehouse_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path))
    seed_matchmaking(warehouse_engine)
    ctx = ctx_at(warehouse_engine, T0)
    out = mm.run_matchmaking(ctx)
    # aina/serum 200000 × 1 × 2/3 × 3 = 400000 beats ben/serum 150000 × 1/2 × 3 = 225000; ben gets nothing
    # else (no fashion history, beauty creator); chong/tee 90000 × 1/2 = 45000; ghost has no pull data
    assert (out["pairs"], out["total_value_myr"], out["candidates"]) == (2, "4450.00", 4)
    folder = tmp_path / "mech_test" / "matchmaking"
    assert sorted(p.name for p in folder.iterdir()) == [
        "list_aisyah.csv", "list_unassigned.csv", "list_wei_jie.csv", "pairs.csv", "pairs_ghosts.csv", "products.csv",
        "summary.json",
    ]  # fmt: skip
    request = mm.prepare_signoff(ctx, "BD confirms the list")
    # the ranking score is unitless (never "RM"); the data's moment in campaign-local time; no server path
    assert "ranking score **4,450** (unitless)" in request.body and "| 1 | aina | serum | 4,000 | aisyah |" in request.body
    assert "RM 4,450" not in request.body and "RM 4,000" not in request.body
    assert "UTC" not in request.body and str(tmp_path) not in request.body
    assert f"data as of {format_local(ctx.interval_end, ctx.spec.tz, with_zone=True)}" in request.body
    assert "short: **1**" in request.body
    pairs_before = (folder / "pairs.csv").read_bytes()

    decided_at = T0 + dt.timedelta(hours=3)
    mm.record_signoff(ctx, approved=True, by="bd.lead", at=decided_at, note="ok")
    frozen = wh.frozen_list(warehouse_engine, "mech_test")
    assert (frozen.decided_by, frozen.decided_at, frozen.run_id) == ("bd.lead", decided_at, ctx.run_id)
    assert json.loads((folder / "signoff.json").read_text())["state"] == "frozen"

    # new data lands; later runs (and a rerun of the same run) change nothing
    with warehouse_engine.begin() as conn:
        conn.execute(products.insert().values(
            file_id=2, row_number=3, campaign_id="mech_test", product_id="lipstick", category="beauty",
            price_sen=100, sample_quota=5, priority=1, min_followers=0,
        ))  # fmt: skip
    for later in (ctx, ctx_at(warehouse_engine, T0 + dt.timedelta(days=1))):
        with pytest.raises(StepSkipped, match="frozen by bd.lead"):
            mm.run_matchmaking(later)
    assert (folder / "pairs.csv").read_bytes() == pairs_before
    assert [(r.state, r.pairs) for r in wh.lists(warehouse_engine, "mech_test")] == [("frozen", 2)]
    assert mm.signoff_should_open(ctx_at(warehouse_engine, T0 + dt.timedelta(days=1)), T0) is None


def test_rejection_reopens_matchmaking_and_the_signoff(warehouse_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path))
    seed_matchmaking(warehouse_engine)
    due = ctx_at(warehouse_engine, T0)
    mm.run_matchmaking(due)
    assert mm.signoff_should_open(due, T0) == "due"
    next_day = ctx_at(warehouse_engine, T0 + dt.timedelta(days=1))
    assert mm.signoff_should_open(next_day, T0) is None  # not decided yet: the request of the due run stands
    mm.record_signoff(due, approved=False, by="bd.lead", at=T0 + dt.timedelta(hours=2), note="serum is out of stock")
    [rejected] = wh.lists(warehouse_engine, "mech_test")
    assert (rejected.state, rejected.decision_note) == ("rejected", "serum is out of stock")
    out = mm.run_matchmaking(next_day)  # matchmaking goes on with a new draft
    assert out["state"] == "draft" and out["list_id"] != rejected.list_id
    assert mm.signoff_should_open(next_day, T0) == "reopened after a rejection"
    assert wh.latest_list(warehouse_engine, "mech_test", next_day.run_id).list_id == out["list_id"]


def seed_traffic(engine) -> None:
    event = dt.datetime(2027, 3, 9, 16, tzinfo=dt.UTC)  # 10 Mar 00:00 local
    with engine.begin() as conn:
        _file(conn, 20, "content")
        _file(conn, 21, "orders")
        _file(conn, 22, "enrollments")
        conn.execute(enrollments.insert(), [  # live GMV counts enrolled creators only
            {"file_id": 22, "row_number": n, "campaign_id": "mech_test", "creator_id": c,
             "registered_at": event - dt.timedelta(days=5), "is_new_creator": False}
            for n, c in enumerate(["a", "b"], start=1)
        ])  # fmt: skip
        # A: RM 300 / 10,000 views, B: RM 100 / 10,000 views → gpm 25 and 15 (hand-worked in the core tests)
        conn.execute(content.insert(), [
            {"file_id": 20, "row_number": n, "campaign_id": "mech_test", "content_id": cid, "creator_id": who,
             "content_type": "VIDEO", "posted_at": event, "views": views, "gmv_sen": gmv}
            for n, (cid, who, views, gmv) in enumerate(
                [("v1", "a", 6000, 20_000), ("v2", "a", 4000, 10_000), ("l1", "b", 10_000, 10_000)], start=1)
        ])  # fmt: skip
        conn.execute(order_lines.insert(), [
            {"file_id": 21, "row_number": n, "campaign_id": "mech_test", "order_id": f"o{n}", "line_id": "1",
             "creator_id": who, "order_time": event + dt.timedelta(hours=h), "status": status, "gmv_sen": gmv}
            for n, (who, h, status, gmv) in enumerate([
                ("a", 0, "completed", 5_000),   # before a's first boost (hour 1): not counted
                ("a", 2, "completed", 7_000),
                ("b", 3, "cancelled", 9_000),   # not a selling status
                ("b", 23, "COMPLETED ", 1_000),  # after b's first boost (hour 23)
            ], start=1)
        ])  # fmt: skip


def test_traffic_reallocates_what_is_left_hour_by_hour(warehouse_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path))
    seed_traffic(warehouse_engine)
    event = dt.datetime(2027, 3, 9, 16, tzinfo=dt.UTC)
    first = tr.allocate_traffic(ctx_at(warehouse_engine, event + dt.timedelta(hours=1), hours=1))
    # RM 240 left over 23 hours: RM 10.43 this hour (floored to the sen), all of it to a's first step
    assert (first["remaining_before_myr"], first["hours_left"], first["spent_myr"]) == ("240.00", 23, "10.43")
    rerun = tr.allocate_traffic(ctx_at(warehouse_engine, event + dt.timedelta(hours=1), hours=1))
    assert rerun == first  # a rerun of the hour replaces it
    last = tr.allocate_traffic(ctx_at(warehouse_engine, event + dt.timedelta(hours=23), hours=1))
    # the last hour spends all that is left (240.00 − 10.43), continuing a on its curve: a to 100 (its first
    # step, 2.5/MYR), then b's first step (1.5/MYR), then a's second step (1.25/MYR) with the rest
    assert (last["remaining_before_myr"], last["spent_myr"], last["spent_total_myr"]) == ("229.57", "229.57", "240.00")
    assert [row.spent_sen for row in wh.hours(warehouse_engine, "mech_test")] == [1_043, 22_957]
    from creator_ops.figures.mechanisms import traffic_overview

    overview = traffic_overview(warehouse_engine, parse_spec(SPEC, "mech_test.yaml"))
    assert overview.budget_sen == 24_000
    assert (overview.spent_sen, overview.hours, overview.boosted_creators) == (24_000, 2, 2)
    # expected: a 100 × 2.5 + 40 × 1.25 = 300.00 and b 100 × 1.5 = 150.00, exactly 450.00; recorded per
    # creator and hour floored to the sen: a 26.075 → 26.07 and 273.925 → 273.92, b 150.00 → 449.99
    assert overview.expected_gmv_sen == 44_999
    assert overview.actual_gmv_sen == 7_000 + 1_000
    # the Campaigns view reads the same figures
    from creator_ops.airflow.ui.overview import campaign_status

    row = campaign_status(parse_spec(SPEC, "mech_test.yaml"), warehouse_engine, event + dt.timedelta(days=2))
    assert row.traffic == overview and row.warehouse_error is None


def test_untrusted_products_skip_matchmaking_with_the_reason(warehouse_engine, tmp_path, monkeypatch):
    from creator_ops.warehouse.schema import quality_results

    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path))
    seed_matchmaking(warehouse_engine)
    with warehouse_engine.begin() as conn:
        conn.execute(quality_results.insert().values(
            campaign_id="mech_test", dataset="products", file_id=2, run_id="r", suite="products", success=False,
            evaluated=5, failed=1, validated_at=T0, failed_expectations_json=json.dumps([{"name": "quota_in_range"}]),
        ))  # fmt: skip
    with pytest.raises(StepSkipped, match="products data set failed its quality suite \\(quota_in_range\\)"):
        mm.run_matchmaking(ctx_at(warehouse_engine, T0))
    assert wh.lists(warehouse_engine, "mech_test") == []
