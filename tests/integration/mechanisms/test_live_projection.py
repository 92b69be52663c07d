"""The live projection step (SPEC 12) on a real warehouse: GMV placed so far, an earlier campaign's shape and share.

An earlier campaign of the same type placed RM 100 in every hour and kept 80 % of it
(one line in five cancelled); this campaign has placed RM 600 in its first six hours, so
the point is 0.8 × 600 / (6 / 24) = RM 1,920.00, far below a RM 1 M target: a "behind pace"
alert goes through the outbox once, however often the hour is rerun.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from landing_files import write_csv
from sqlalchemy import func, select

from creator_ops.core.spec import load_spec
from creator_ops.core.steps import StepContext

pytestmark = pytest.mark.integration

SPEC = """id: {id}
name: Projection {id}
type: scd
timeline: {{event_start: {start}}}
targets: {{gmv_myr: 1000000}}
alerts: {{slack_conn_id: slack_projection}}
"""
CREATORS = ("ana", "ben", "cho")
HOURS_NOW = [100, 120, 80, 100, 110, 90]  # RM placed in each of this campaign's first six hours


def _campaign(tmp_path: Path, engine, campaign_id: str, start: str, orders: list[list[str]]) -> StepContext:
    from creator_ops.steps.ingest import ingest
    from creator_ops.steps.run_record import register_run

    spec_path = tmp_path / f"{campaign_id}.yaml"
    spec_path.write_text(SPEC.format(id=campaign_id, start=start), encoding="utf-8")
    spec = load_spec(spec_path)
    landing = tmp_path / "landing" / campaign_id
    write_csv(landing / "enrollments" / "enrollments.csv", ["creator_id", "registered_at", "is_new_creator"],
         [[c, "2027-01-01 09:00:00", "no"] for c in CREATORS])  # fmt: skip
    write_csv(landing / "orders" / "orders.csv", ["order_id", "line_id", "creator_id", "order_time", "status", "gmv_myr"],
         orders)  # fmt: skip
    moment = spec.timeline.event_start + dt.timedelta(hours=5)
    ctx = StepContext(spec, spec_path, "live__test", moment, moment + dt.timedelta(hours=1), engine,
                      clock=lambda: dt.datetime(2027, 3, 10, 6, tzinfo=dt.UTC))  # fmt: skip
    register_run(ctx)
    for dataset in ("enrollments", "orders"):
        ingest(ctx, dataset)
    return ctx


def test_projection_scales_gmv_placed_by_the_earlier_shape_and_share_and_alerts_once(
    warehouse_engine, tmp_path, monkeypatch
):
    from creator_ops.steps.projection import project_gmv
    from creator_ops.warehouse.experiments import latest_projection
    from creator_ops.warehouse.schema import alert_outbox

    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(tmp_path / "landing"))
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    earlier = []
    for hour in range(24):  # RM 100 an hour in five RM 20 lines, the fifth cancelled: 80 % ends eligible
        for i in range(5):
            status = "cancelled" if i == 4 else "completed"
            earlier.append([f"e{hour}-{i}", "1", CREATORS[i % 3], f"2027-01-10 {hour:02d}:{10 + i:02d}:00", status, "20.00"])
    _campaign(tmp_path, warehouse_engine, "proj_earlier", "2027-01-10", earlier)
    now = [[f"n{h}", "1", CREATORS[h % 3], f"2027-03-10 {h:02d}:30:00", "pending", f"{gmv}.00"]
           for h, gmv in enumerate(HOURS_NOW)]  # fmt: skip
    now.append(["n-late", "1", "ana", "2027-03-10 06:10:00", "pending", "999.00"])  # after the hour: not seen yet
    ctx = _campaign(tmp_path, warehouse_engine, "proj_now", "2027-03-10", now)

    summary = project_gmv(ctx)
    assert summary["placed_so_far_myr"] == "600.00" and summary["elapsed_hours"] == 6
    assert summary["conversion"] == 0.8
    assert summary["projected_myr"] == "1920.00"
    low, high = float(summary["low80_myr"]), float(summary["high80_myr"])
    assert 0 < low < 1920 < high < 1_000_000  # hours scatter ±20 %: an interval, well below the target
    assert summary["behind_pace"] and summary["alert_rows_queued"] == 1
    assert "proj_earlier" in summary["method"] and "80.0% of GMV placed ended eligible" in summary["method"]
    stored = latest_projection(warehouse_engine, "proj_now")
    assert (stored.predicted_sen, stored.detail["placed_so_far_sen"], stored.detail["references"]) == (
        192_000, 60_000, ["proj_earlier"])
    # the hour rerun: the same projection replaces nothing it should not, and no second alert
    again = project_gmv(ctx)
    assert again["projected_myr"] == "1920.00" and again["alert_rows_queued"] == 0
    with warehouse_engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(alert_outbox)
                            .where(alert_outbox.c.campaign_id == "proj_now")).scalar_one()  # fmt: skip
    assert rows == 1

