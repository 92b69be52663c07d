"""SPEC 16 through the warehouse and through the command line: the same files give the same incentive response.

900 creators sell around the RM 1,000 tier (a few hundred of them pushed just past it) and
around RM 5,000; the files are ingested into a real warehouse (SQLite and PostgreSQL) and
reviewed by the DAG's review step, and read by `campaignctl review`. Both reviews hold
the same `incentive_response`, byte for byte, from the same section 5 result rows.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from creator_ops.cli import main as campaignctl
from creator_ops.core.spec import load_spec
from creator_ops.core.steps import StepContext
from creator_ops.steps.ingest import ingest
from creator_ops.steps.review import build_review
from creator_ops.steps.run_record import register_run

pytestmark = pytest.mark.integration

SPEC = """\
id: bunching_2027
name: Bunching 2027
type: scd
timeline: {event_start: 2027-03-10}
targets: {creators_enrolled: 900}
incentives:
  budget_myr: 1000000
  tiers: [{min_gmv_myr: 1000, bonus_myr: 50}, {min_gmv_myr: 5000, bonus_myr: 300}, {min_gmv_myr: 20, bonus_myr: 1}]
"""


def write_files(folder: Path) -> tuple[Path, Path]:
    """900 creators, lognormal GMV around RM 1,000, 40 % of those up to 10 % short pushed just past it."""
    rng = np.random.default_rng(20270310)
    gmv = np.round(rng.lognormal(np.log(120_000), 0.9, 900)).astype(np.int64)
    near = (gmv >= 90_000) & (gmv < 100_000) & (rng.random(900) < 0.4)
    gmv[near] = 100_000 + rng.integers(0, 2_000, int(near.sum()))
    data = folder / "data"
    data.mkdir(parents=True)
    orders = ["order_id,line_id,creator_id,order_time,status,gmv_myr"]
    enrollments = ["creator_id,registered_at,is_new_creator"]
    for i, sen in enumerate(gmv):
        half = int(sen) // 2  # two lines each, so the creator's GMV is a sum
        orders.append(f"o{i}a,1,c{i:04d},2027-03-10 10:00:00,completed,{half / 100:.2f}")
        orders.append(f"o{i}b,1,c{i:04d},2027-03-10 11:00:00,settled,{(int(sen) - half) / 100:.2f}")
        enrollments.append(f"c{i:04d},2027-03-01 09:00:00,no")
    (data / "orders.csv").write_text("\n".join(orders) + "\n", encoding="utf-8")
    (data / "enrollments.csv").write_text("\n".join(enrollments) + "\n", encoding="utf-8")
    spec_path = folder / "spec.yaml"
    spec_path.write_text(SPEC, encoding="utf-8")
    return spec_path, data


def test_the_review_step_and_the_command_line_give_the_same_incentive_response(warehouse_engine, tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(landing))
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    spec_path, data = write_files(tmp_path)
    spec = load_spec(spec_path)
    start = spec.timeline.settlement_date
    ctx = StepContext(
        spec=spec, spec_path=spec_path, run_id="scheduled__bunching", interval_start=start,
        interval_end=start + dt.timedelta(days=1), engine=warehouse_engine, clock=lambda: start,
    )  # fmt: skip
    register_run(ctx)
    for file in sorted(data.iterdir()):
        target = landing / spec.id / file.stem / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
        assert ingest(ctx, file.stem)["quarantined"] == 0

    stage = Path(build_review(ctx)["files"]["json"])
    assert campaignctl(["review", "--spec", str(spec_path), "--data", str(data), "--out", str(tmp_path / "cli")]) == 0
    cli = tmp_path / "cli" / "review.json"
    assert stage.read_bytes() == cli.read_bytes()

    response = json.loads(stage.read_text())["incentive_response"]
    assert [e["threshold_myr"] for e in response] == ["20.00", "1000.00", "5000.00"]
    low, at_1000, at_5000 = response
    assert low["reason"] == "too_few" and low["excess"] is None  # under RM 50: not an error
    assert at_1000["reason"] is None and sum(at_1000["counts"]) >= 200
    assert at_1000["bonus_myr"] == "49.00" and at_5000["bonus_myr"] == "250.00"  # over the tier below
    pushed = int(np.count_nonzero(_pushed_creators()))
    lo, hi = at_1000["excess_ci95"]
    assert lo <= pushed <= hi and lo > 0
    assert at_5000["reason"] == "too_few"  # few creators sell near RM 5,000 here
    page = (stage.parent / "review.html").read_text(encoding="utf-8")
    assert page.count("<polyline") == 1 and "pushed past RM 1,000.00" in page
    assert "its threshold is under RM 50.00" in " ".join(json.loads(stage.read_text())["notes"])


def _pushed_creators() -> np.ndarray:
    rng = np.random.default_rng(20270310)
    gmv = np.round(rng.lognormal(np.log(120_000), 0.9, 900)).astype(np.int64)
    return (gmv >= 90_000) & (gmv < 100_000) & (rng.random(900) < 0.4)
